// Which username a client id belongs to on the embedded broker: the first user to connect with an
// id owns it for the life of the process, so another user can neither take over its session (MQTT
// 3.1.1 section 3.1.4 would otherwise disconnect the first client) nor squat on it while the device
// is offline. Never freeing an id also leaves no window between an old session's end and a new
// one's start in which the id is unowned. Kept in memory only, like the broker's sessions: a
// binding written to disk would outlive a device being renamed in the config and lock its new user out.

/** Client ids one user may hold, so a valid login cannot grow the table without bound. */
export const MAX_IDS_PER_USER = 64;

export type ClaimResult = 'ok' | 'taken' | 'too-many';

export class ClientIdBindings {
  readonly #owner = new Map<string, string>();
  readonly #count = new Map<string, number>();

  /** Binds `clientId` to `username` unless another user holds it or the user holds its maximum. */
  claim(clientId: string, username: string): ClaimResult {
    const owner = this.#owner.get(clientId);
    if (owner !== undefined) return owner === username ? 'ok' : 'taken';
    const held = this.#count.get(username) ?? 0;
    if (held >= MAX_IDS_PER_USER) return 'too-many';
    this.#owner.set(clientId, username);
    this.#count.set(username, held + 1);
    return 'ok';
  }

  get size(): number {
    return this.#owner.size;
  }
}
