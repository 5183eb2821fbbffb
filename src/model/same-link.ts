// Whether two device transports open the same link: one port, address, folder or topic, however
// it is written. The server uses it to watch a running device's link instead of opening it twice;
// the page uses it to warn, before a test, whose readings the test's bytes become. Pure.

/** The fields of a device transport (src/config/schema.ts) that say which link it opens. */
export type LinkTransport =
  | { type: 'serial'; path: string }
  | { type: 'tcp'; mode: 'connect' | 'listen'; host?: string | undefined; port: number }
  | { type: 'file'; path: string }
  | { type: 'mqtt'; topic: string };

/** The host a TCP transport without one uses (src/transports/tcp.ts). */
const DEFAULT_HOST = '127.0.0.1';

/**
 * `resolve` maps a serial path to the device it names (the server passes realpath, so
 * /dev/serial/by-id/... and /dev/ttyUSB0 match); the page, which cannot, compares as written.
 */
export function sameLink(a: LinkTransport, b: LinkTransport, resolve: (path: string) => string = (p) => p): boolean {
  if (a.type === 'serial' && b.type === 'serial') return a.path === b.path || resolve(a.path) === resolve(b.path);
  if (a.type === 'tcp' && b.type === 'tcp') {
    if (a.mode !== b.mode || a.port !== b.port) return false;
    // A listener holds its port whatever address it binds: a second bind on it fails (EADDRINUSE).
    return a.mode === 'listen' || (a.host ?? DEFAULT_HOST) === (b.host ?? DEFAULT_HOST);
  }
  if (a.type === 'file' && b.type === 'file') return a.path === b.path;
  if (a.type === 'mqtt' && b.type === 'mqtt') return a.topic === b.topic;
  return false;
}
