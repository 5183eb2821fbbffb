// The systemd unit that runs the gateway as a service, built from its inputs alone so every line can
// be tested. Directives and their meaning: systemd.service(5), systemd.exec(5),
// systemd.resource-control(5) (systemd 252, Debian 12 / Raspberry Pi OS bookworm).

import { dirname, isAbsolute, posix } from 'node:path';
import { NODE_FLAGS } from '../node-flags.ts';
import { EXIT_REFUSED } from '../commands/exit-codes.ts';

export interface ServiceUnitOptions {
  /** The configuration file (absolute). Page edits are written back to it. */
  configFile: string;
  /** The data folder (absolute), as the configuration resolves it. */
  dataDir: string;
  /** Watched folders (file transports, absolute): the gateway moves each file it has read to processed/. */
  watchedFolders: string[];
  /** The dedicated system user the gateway runs as. */
  user: string;
  /** The Node.js binary (absolute). */
  node: string;
  /** The package's entry point, `<package>/bin/medgate.js` (absolute). */
  entry: string;
  /** systemd kills and restarts the gateway when its event loop stalls this long; 0: no watchdog. */
  watchdogSec: number;
}

export interface ServiceUnit {
  text: string;
  /** What the person installing it should know (printed with the next steps). */
  notes: string[];
}

export class ServiceSetupError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ServiceSetupError';
  }
}

export const DEFAULT_SERVICE_USER = 'medgate';
export const DEFAULT_WATCHDOG_SEC = 30;

// ProtectHome= hides these (systemd.exec(5)); PrivateTmp= gives the service empty ones of its own.
const HOME_ROOTS = ['/home', '/root', '/run/user'];
const TMP_ROOTS = ['/tmp', '/var/tmp'];
// Folders other software shares: the service would get write access to all of them.
export const SHARED_FOLDERS = new Set([
  '/',
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/media',
  '/mnt',
  '/opt',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/srv',
  '/sys',
  '/tmp',
  '/usr',
  '/usr/local',
  '/var',
  '/var/lib',
  '/var/tmp',
]);
// systemd reads these in unit lines: whitespace splits words, quotes and backslashes escape, `%` starts
// a specifier, `$` an environment variable (systemd.unit(5) "Specifiers", systemd.service(5) "Command lines").
const UNSAFE_PATH = /[\s"'\\%$\p{Cc}]/u;
// useradd's default NAME_REGEX (Debian login.defs), without the trailing `$` of machine accounts.
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export const within = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

function pathProblems(what: string, path: string): string[] {
  if (!isAbsolute(path)) return [`${what} must be an absolute path, got "${path}" (the service does not start in this folder)`];
  if (path !== posix.normalize(path) || (path.length > 1 && path.endsWith('/')))
    return [`${what} must be a plain absolute path (no "..", "//" or trailing "/"), got "${path}"`];
  if (UNSAFE_PATH.test(path)) return [`${what} "${path}" holds a space, quote, backslash, % or $, which systemd would read as syntax: use a path without them`];
  const tmp = TMP_ROOTS.find((root) => within(path, root));
  if (tmp)
    return [`${what} "${path}" is under ${tmp}: the service gets an empty ${tmp} of its own (PrivateTmp=), and ${tmp} does not keep files across restarts`];
  return [];
}

function serviceUnitProblems(o: ServiceUnitOptions): string[] {
  const problems = [
    ...pathProblems('the configuration file', o.configFile),
    ...pathProblems('the data folder', o.dataDir),
    ...o.watchedFolders.flatMap((folder) => pathProblems('a watched folder', folder)),
    ...pathProblems('the Node.js binary', o.node),
    ...pathProblems('the medgate entry point', o.entry),
  ];
  if (isAbsolute(o.configFile) && SHARED_FOLDERS.has(dirname(o.configFile))) {
    problems.push(
      `the configuration file must be in a folder of its own (e.g. /etc/medgate/medgate.json), not directly in ${dirname(o.configFile)}: ` +
        'page edits are written next to it (a temporary file, then a rename), so the service needs write access to that folder',
    );
  }
  if (SHARED_FOLDERS.has(o.dataDir)) problems.push(`the data folder must be a folder of its own (e.g. /var/lib/medgate), not ${o.dataDir}`);
  for (const folder of o.watchedFolders)
    if (SHARED_FOLDERS.has(folder)) problems.push(`a watched folder must be a folder of its own (e.g. /srv/ekg-export), not ${folder}`);
  if (!USER_NAME.test(o.user)) problems.push(`the user name "${o.user}" is not a valid system user name (lower-case letters, digits, _ and -, at most 32)`);
  else if (o.user === 'root') problems.push('the gateway must not run as root: give it a user of its own (default "medgate")');
  if (!Number.isInteger(o.watchdogSec) || o.watchdogSec < 0) problems.push(`the watchdog must be a whole number of seconds (0: none), got ${o.watchdogSec}`);
  return problems;
}

/** The folders the service may write, nested ones dropped: the data folder, the configuration's folder, watched folders. */
function writableFolders(o: Pick<ServiceUnitOptions, 'configFile' | 'dataDir' | 'watchedFolders'>): { required: string[]; optional: string[] } {
  const keep = (folders: string[], covered: string[]) => {
    const out: string[] = [];
    for (const f of [...new Set(folders)].sort((a, b) => a.length - b.length)) if (![...covered, ...out].some((c) => within(f, c))) out.push(f);
    return out;
  };
  const required = keep([o.dataDir, dirname(o.configFile)], []);
  return { required, optional: keep(o.watchedFolders, required) };
}

/** The unit, or ServiceSetupError naming every problem with the inputs. */
export function serviceUnit(o: ServiceUnitOptions): ServiceUnit {
  const problems = serviceUnitProblems(o);
  if (problems.length > 0) throw new ServiceSetupError(problems);
  const notes: string[] = [];
  const inHome = [o.node, o.entry, o.configFile, o.dataDir, ...o.watchedFolders].filter((p) => HOME_ROOTS.some((root) => within(p, root)));
  if (inHome.length > 0) {
    notes.push(
      `${inHome.join(', ')} ${inHome.length === 1 ? 'is' : 'are'} under a home folder: the unit makes home folders read-only instead of hiding them, ` +
        `and the user "${o.user}" must be able to read there (home folders are private on Debian 12). Installing medgate under /opt and Node.js from a system package avoids this.`,
    );
  }
  const { required, optional } = writableFolders(o);
  const lines = [
    '# Written by `medgate install-service`. Run it again after moving medgate, Node.js or the configuration,',
    '# or after adding a watched-folder device; put local changes in a drop-in (systemctl edit medgate).',
    '[Unit]',
    'Description=medgate medical-device gateway',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    '# READY=1 and WATCHDOG=1 come from systemd-notify, a child of the gateway (Node.js cannot write to',
    '# the notification socket itself), hence all and not main.',
    'NotifyAccess=all',
    `ExecStart=${[o.node, ...NODE_FLAGS, o.entry].join(' ')} start --config ${o.configFile}`,
    // Relative paths in the configuration are read against its folder, like dataDir.
    `WorkingDirectory=${dirname(o.configFile)}`,
    `User=${o.user}`,
    'SupplementaryGroups=dialout',
    'Restart=on-failure',
    'RestartSec=5s',
    '# A configuration that does not validate, or a data folder of a newer medgate: refused, not retried.',
    `RestartPreventExitStatus=${EXIT_REFUSED}`,
    '# The first start after an upgrade may convert stored data, on an SD card.',
    'TimeoutStartSec=5min',
    ...(o.watchdogSec > 0 ? [`WatchdogSec=${o.watchdogSec}s`] : []),
    'StandardOutput=journal',
    'StandardError=journal',
    'SyslogIdentifier=medgate',
    'UMask=0077',
    '',
    '# Sandbox: the whole file system is read-only except the folders below.',
    'NoNewPrivileges=yes',
    'CapabilityBoundingSet=',
    'ProtectSystem=strict',
    "# The data folder, and the configuration's folder: page edits are written back to the file.",
    `ReadWritePaths=${required.join(' ')}`,
    ...(optional.length > 0
      ? [
          '# Watched folders (read files move to processed/); "-": one that is missing, e.g. an unmounted share, does not stop the gateway.',
          `ReadWritePaths=${optional.map((f) => `-${f}`).join(' ')}`,
        ]
      : []),
    'PrivateTmp=yes',
    'PrivateMounts=yes',
    'RemoveIPC=yes',
    `ProtectHome=${inHome.length > 0 ? 'read-only' : 'yes'}`,
    'ProtectProc=invisible',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectHostname=yes',
    '# AF_NETLINK: Node.js resolves host names for the configured address families only (AI_ADDRCONFIG),',
    '# which glibc learns from the kernel over netlink.',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    '# Left out on purpose: MemoryDenyWriteExecute= (V8 compiles JavaScript to machine code as it runs);',
    '# PrivateDevices= and DevicePolicy= (serial ports; the dialout group already limits the user to them, and',
    '# an allow-list misses a USB adapter whose driver loads after the start); ProtectClock= (some systemd',
    '# versions make it such an allow-list, shutting out serial ports; with no capabilities the clock is safe anyway);',
    '# SystemCallFilter= (a system call V8 or libuv needs on one architecture would end the gateway).',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return { text: lines.join('\n'), notes };
}
