// systemd's service notification protocol (sd_notify(3)): READY=1 once the gateway listens, WATCHDOG=1
// while its event loop turns, STOPPING=1 on the way out; nothing at all when NOTIFY_SOCKET is unset.
//
// Node.js cannot write to the AF_UNIX datagram socket systemd listens on (dgram has udp4/udp6 only, net
// has stream sockets only), and a native add-on would need a compiler on the Pi. So each message goes
// through systemd-notify(1), which ships with systemd. It runs without --no-block: it then waits until
// systemd has processed the message (BARRIER=1, systemd 246 and later), so it is still alive when
// systemd looks up which unit it belongs to; a helper that exits first may have its message dropped,
// even with NotifyAccess=all (systemd-notify(1), sd_notify(3) on attributing messages).

import { spawn } from 'node:child_process';
import type { Logger } from '../model/logger.ts';

/** Sends one notification; rejects when it could not be delivered. */
export type NotifySender = (message: string) => Promise<void>;

export interface ServiceNotifier {
  /** The gateway listens: READY=1, then WATCHDOG=1 at half the watchdog interval, from this event loop. */
  ready(): void;
  /** STOPPING=1; the watchdog pings end. */
  stopping(): void;
}

/**
 * Half the watchdog interval systemd asks for, in ms, read as sd_watchdog_enabled(3) reads it:
 * undefined when WATCHDOG_USEC is unset or not a positive number, or WATCHDOG_PID names another process.
 */
export function watchdogPingMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** systemd-notify(1) with the given socket, one process per message. */
export function systemdNotify(socket: string): NotifySender {
  return (message) =>
    new Promise((resolve, reject) => {
      const child = spawn('systemd-notify', [message], { env: { ...process.env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.once('error', reject);
      child.once('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `systemd-notify exited with ${code ?? signal}`))));
    });
}

const quiet: ServiceNotifier = { ready: () => undefined, stopping: () => undefined };

/**
 * The notifier for this process. It takes NOTIFY_SOCKET and WATCHDOG_* out of `env`, as
 * sd_notify(3) does when asked to, so processes the gateway starts do not talk to systemd for it.
 */
export function serviceNotifier(opts: { log: Logger; env?: NodeJS.ProcessEnv; pid?: number; send?: NotifySender }): ServiceNotifier {
  const env = opts.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return quiet;
  const pingMs = watchdogPingMs(env, opts.pid ?? process.pid);
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  const send = opts.send ?? systemdNotify(socket);
  const log = opts.log;
  let failing = false;
  const notify = async (message: string) => {
    try {
      await send(message);
      if (failing) log.info('systemd notifications work again');
      failing = false;
    } catch (err) {
      // Once per run of failures: a watchdog ping every few seconds must not flood the journal.
      if (!failing) log.warn({ err, message }, 'could not notify systemd (systemd-notify)');
      failing = true;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let pinging = false;
  return {
    ready() {
      void notify('READY=1');
      if (pingMs === undefined || timer) return;
      // A timer on this event loop: when the loop is stuck the pings stop and systemd restarts the gateway.
      timer = setInterval(() => {
        // One ping at a time: a systemd slow to answer gets no pile of waiting helpers.
        if (pinging) return;
        pinging = true;
        void notify('WATCHDOG=1').finally(() => (pinging = false));
      }, pingMs);
      timer.unref();
    },
    stopping() {
      clearInterval(timer);
      timer = undefined;
      void notify('STOPPING=1');
    },
  };
}
