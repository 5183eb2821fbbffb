// The demo's working copy (data/demo/medgate.json) is kept across upgrades, with the page's edits in
// it. What a newer config/demo.json needs for the demo to keep working is carried into it here: the
// embedded broker's `publish` lists (without them the broker refuses the demo EKG cart), the
// inbound feed the built-in EHR registers its patients on, and the `orders` of the demo analyzer
// that takes the built-in EHR's orders (when the copy's device is still that analyzer and was not
// given a patient mode of its own), and the demo analyzers' control lots (`qc`) with their
// simulators' QC schedule, where the copy has none. Pure; nothing else of the copy changes.

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
  changed.push(...carryQc(keptDevices, doc, shipped));
  return { doc, changed };
}

const simulatorsOf = (doc: Doc): Doc[] => (isDoc(doc.demo) && Array.isArray(doc.demo.simulators) ? doc.demo.simulators.filter(isDoc) : []);

/** The shipped analyzers' `qc` and their simulators' `qc`, into the same device (id and driver) of the copy that has none. */
function carryQc(keptDevices: Doc[], doc: Doc, shipped: Doc): string[] {
  const changed: string[] = [];
  const shippedDevices = Array.isArray(shipped.devices) ? shipped.devices.filter(isDoc) : [];
  const same = (id: unknown): Doc | undefined => {
    const theirs = shippedDevices.find((d) => d.id === id);
    return keptDevices.find((d) => d.id === id && theirs !== undefined && d.driver === theirs.driver);
  };
  for (const device of shippedDevices) {
    const mine = same(device.id);
    if (device.qc === undefined || mine === undefined || mine.qc !== undefined) continue;
    mine.qc = structuredClone(device.qc);
    changed.push(`devices "${String(device.id)}": qc`);
  }
  const keptSims = simulatorsOf(doc);
  for (const sim of simulatorsOf(shipped)) {
    const mine = keptSims.find((s) => s.device === sim.device);
    if (sim.qc === undefined || mine === undefined || mine.qc !== undefined || same(sim.device) === undefined) continue;
    mine.qc = structuredClone(sim.qc);
    changed.push(`demo.simulators "${String(sim.device)}": qc`);
  }
  return changed;
}
