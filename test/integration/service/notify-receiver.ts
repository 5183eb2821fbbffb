// A stand-in for systemd's notification socket: an AF_UNIX datagram socket that collects what the
// gateway sends. Perl (Essential in Debian, so on every CI machine) binds it because it receives the
// way systemd does for our purpose: its recv() takes no ancillary data, so the pipe systemd-notify
// passes with BARRIER=1 is closed at once and the barrier completes, as it does when systemd has
// processed the messages before it. With socat (UNIX-RECV or UNIX-RECVFROM) as the receiver,
// systemd-notify waited its full 5 s and failed ("Failed to invoke barrier: Connection timed out").

import { spawn } from 'node:child_process';

const RECEIVE = `
use Socket;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!";
$| = 1;
print "bound\\n";
while (defined recv($s, my $m, 65536, 0)) { print unpack("H*", $m), "\\n" }
`;

export interface NotifyReceiver {
  path: string;
  /** Each datagram as received, e.g. "READY=1". */
  messages: string[];
  onMessage?: (message: string) => void;
  waitFor(pred: (messages: string[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifyReceiver(path: string): Promise<NotifyReceiver> {
  const child = spawn('perl', ['-e', RECEIVE, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  let bound = false;
  const receiver: NotifyReceiver = {
    path,
    messages: [],
    waitFor: (pred, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(receiver.messages)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; received: ${JSON.stringify(receiver.messages)}${stderr ? `\nreceiver: ${stderr}` : ''}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === 'bound') bound = true;
      else {
        const message = Buffer.from(line, 'hex').toString('utf8');
        receiver.messages.push(message);
        receiver.onMessage?.(message);
      }
    }
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (bound) {
        clearInterval(poll);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`the notify receiver did not start: ${stderr}`));
      }
    }, 10);
  });
  return receiver;
}
