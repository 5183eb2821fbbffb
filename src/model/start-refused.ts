// The gateway will not start on what it was given, and starting it again cannot change that: a
// person must act (a configuration that does not validate, a data folder of a newer medgate, a lock
// file another user made). `medgate start` exits EXIT_REFUSED on it, which the service unit does not
// restart; any other failure exits 1 and is restarted (a disk that comes back, a port set free).
export class StartRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartRefused';
    // What reaches the console is the message alone, not a stack trace.
    this.stack = `${this.name}: ${message}`;
  }
}
