// Which username a client id belongs to on the embedded broker: the first user to connect with an
// id owns it, so another user cannot take over its session (MQTT 3.1.1 section 3.1.4 would
// otherwise disconnect the first client). Kept in memory only, like the broker's sessions (aedes'
// in-memory persistence): after a restart there is no session left to take over, and a binding
// written to disk would outlive a device being renamed in the config and lock its new user out.

/** Client ids one user may hold, so a valid login cannot grow the table without bound. */
export const MAX_IDS_PER_USER = 64;

export type ClaimResult = 'ok' | 'taken' | 'too-many';

export class ClientIdBindings {
  readonly #owner = new Map<string, string>();
  readonly #connected = new Map<string, number>();

  /** Binds `clientId` to `username` unless another user holds it. */
  claim(clientId: string, username: string): ClaimResult {
    const owner = this.#owner.get(clientId);
    if (owner !== undefined) return owner === username ? 'ok' : 'taken';
    const mine = [...this.#owner].filter(([, u]) => u === username).map(([id]) => id);
    if (mine.length >= MAX_IDS_PER_USER) {
      // Oldest first (Map keeps insertion order); one in use is never dropped.
      const idle = mine.find((id) => !this.#connected.has(id));
      if (idle === undefined) return 'too-many';
      this.#owner.delete(idle);
    }
    this.#owner.set(clientId, username);
    return 'ok';
  }

  /** Binds again if needed: a takeover closes the old connection (freeing a clean id) before the new one registers. */
  connected(clientId: string, username: string): void {
    if (!this.#owner.has(clientId)) this.#owner.set(clientId, username);
    this.#connected.set(clientId, (this.#connected.get(clientId) ?? 0) + 1);
  }

  /** A clean session leaves nothing behind, so its id is free again. */
  disconnected(clientId: string, cleanSession: boolean): void {
    const n = (this.#connected.get(clientId) ?? 1) - 1;
    if (n > 0) this.#connected.set(clientId, n);
    else this.#connected.delete(clientId);
    if (cleanSession && n <= 0) this.#owner.delete(clientId);
  }

  get size(): number {
    return this.#owner.size;
  }
}
