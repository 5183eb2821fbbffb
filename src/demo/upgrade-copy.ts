// The demo's working copy (data/demo/medgate.json) is kept across upgrades, with the page's edits in
// it. What a newer config/demo.json needs for the demo to keep working is carried into it here: the
// embedded broker's `publish` lists (without them the broker refuses the demo EKG cart), the
// inbound feed the built-in EHR registers its patients on, and the `orders` of the demo analyzer
// that takes the built-in EHR's orders (when the copy's device is still that analyzer and was not
// given a patient mode of its own). Pure; nothing else of the copy changes.

type Doc = Record<string, unknown>;
type User = { username?: unknown; publish?: unknown };

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

function embeddedUsers(doc: Doc): User[] | undefined {
  const mqtt = doc.mqtt;
  if (!isDoc(mqtt) || !isDoc(mqtt.embedded) || !Array.isArray(mqtt.embedded.users)) return undefined;
  return mqtt.embedded.users.filter(isDoc) as User[];
}

export function upgradeDemoCopy(kept: Doc, shipped: Doc): { doc: Doc; changed: string[] } {
  const doc = structuredClone(kept);
  const changed: string[] = [];
  const shippedUsers = embeddedUsers(shipped) ?? [];
  for (const user of embeddedUsers(doc) ?? []) {
    if (user.publish !== undefined) continue;
    const same = shippedUsers.find((u) => u.username === user.username && Array.isArray(u.publish));
    if (same) {
      user.publish = structuredClone(same.publish);
      changed.push(`mqtt.embedded.users "${String(user.username)}": publish`);
    }
  }
  if (doc.inbound === undefined && shipped.inbound !== undefined) {
    doc.inbound = structuredClone(shipped.inbound);
    changed.push('inbound');
  }
  const keptDevices = Array.isArray(doc.devices) ? doc.devices.filter(isDoc) : [];
  for (const device of Array.isArray(shipped.devices) ? shipped.devices.filter(isDoc) : []) {
    if (device.orders === undefined) continue;
    const mine = keptDevices.find((d) => d.id === device.id && d.driver === device.driver);
    if (mine === undefined || mine.orders !== undefined || mine.patient !== undefined) continue;
    mine.orders = structuredClone(device.orders);
    changed.push(`devices "${String(device.id)}": orders`);
  }
  return { doc, changed };
}
