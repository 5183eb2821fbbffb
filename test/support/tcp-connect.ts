// A device's TCP connection to a gateway that listens, opened as analyzers open theirs: no Nagle
// delay, resolved once connected; later socket errors are left to the caller's `close` handling.

import net from 'node:net';

export async function connectTcp(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ port, host });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return socket;
}
