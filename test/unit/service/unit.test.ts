// The systemd unit as text: what it runs, as whom, what it may write, and the inputs it refuses.

import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../../src/node-flags.ts';
import { EXIT_REFUSED } from '../../../src/commands/exit-codes.ts';
import { nextSteps } from '../../../src/service/next-steps.ts';
import { serviceUnit, ServiceSetupError, type ServiceUnitOptions } from '../../../src/service/unit.ts';

const base: ServiceUnitOptions = {
  configFile: '/etc/medgate/medgate.json',
  dataDir: '/var/lib/medgate',
  watchedFolders: [],
  user: 'medgate',
  node: '/usr/bin/node',
  entry: '/opt/medgate/node_modules/medgate/bin/medgate.js',
  watchdogSec: 30,
};

/** Section name to its directives, in order; comments and blank lines left out. */
function parse(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | undefined;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1]) {
      current = [];
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 1) throw new Error(`not a directive: ${line}`);
    current.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

const values = (text: string, section: string, key: string) => (parse(text).get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
const value = (text: string, section: string, key: string) => {
  const all = values(text, section, key);
  if (all.length !== 1) throw new Error(`${key}= appears ${all.length} times`);
  return all[0];
};

function problems(o: Partial<ServiceUnitOptions>): string[] {
  try {
    serviceUnit({ ...base, ...o });
  } catch (err) {
    if (err instanceof ServiceSetupError) return err.problems;
    throw err;
  }
  return [];
}

describe('serviceUnit', () => {
  const { text, notes } = serviceUnit(base);

  it('runs the compiled entry with plain node, as a notify service with a watchdog, restarted on failure', () => {
    expect(value(text, 'Service', 'ExecStart')).toBe(
      `/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/medgate/node_modules/medgate/bin/medgate.js start --config /etc/medgate/medgate.json`,
    );
    expect(value(text, 'Service', 'Type')).toBe('notify');
    expect(value(text, 'Service', 'NotifyAccess')).toBe('all');
    expect(value(text, 'Service', 'WatchdogSec')).toBe('30s');
    expect(value(text, 'Service', 'Restart')).toBe('on-failure');
    // A refusal (bad configuration, newer data folder) is not restarted every few seconds for ever.
    expect(value(text, 'Service', 'RestartPreventExitStatus')).toBe(String(EXIT_REFUSED));
    expect(value(text, 'Install', 'WantedBy')).toBe('multi-user.target');
    expect(value(text, 'Unit', 'After')).toBe('network-online.target');
    expect(notes).toEqual([]);
  });

  it('runs as the dedicated user, in the dialout group, logging to the journal', () => {
    expect(value(text, 'Service', 'User')).toBe('medgate');
    expect(value(text, 'Service', 'SupplementaryGroups')).toBe('dialout');
    expect(value(text, 'Service', 'StandardOutput')).toBe('journal');
    expect(value(text, 'Service', 'StandardError')).toBe('journal');
  });

  it('makes the file system read-only except the data folder and the configuration folder', () => {
    expect(value(text, 'Service', 'ProtectSystem')).toBe('strict');
    expect(values(text, 'Service', 'ReadWritePaths')).toEqual(['/etc/medgate /var/lib/medgate']);
    expect(value(text, 'Service', 'PrivateTmp')).toBe('yes');
    expect(value(text, 'Service', 'ProtectHome')).toBe('yes');
    expect(value(text, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(value(text, 'Service', 'CapabilityBoundingSet')).toBe('');
    expect(value(text, 'Service', 'RestrictAddressFamilies')).toBe('AF_UNIX AF_INET AF_INET6 AF_NETLINK');
  });

  it('sets nothing that would shut out serial ports or the JIT', () => {
    for (const key of [
      'DevicePolicy',
      'DeviceAllow',
      'PrivateDevices',
      'ProtectClock',
      'MemoryDenyWriteExecute',
      'SystemCallFilter',
      'PrivateUsers',
      'DynamicUser',
    ]) {
      expect(values(text, 'Service', key), key).toEqual([]);
    }
  });

  it('leaves the watchdog out when asked to', () => {
    expect(values(serviceUnit({ ...base, watchdogSec: 0 }).text, 'Service', 'WatchdogSec')).toEqual([]);
  });

  it('lists a configuration inside the data folder once, and watched folders as may-be-missing', () => {
    const { text: t } = serviceUnit({
      ...base,
      configFile: '/var/lib/medgate/etc/medgate.json',
      watchedFolders: ['/srv/ekg', '/var/lib/medgate/drop', '/srv/ekg'],
    });
    expect(values(t, 'Service', 'ReadWritePaths')).toEqual(['/var/lib/medgate', '-/srv/ekg']);
    expect(value(t, 'Service', 'WorkingDirectory')).toBe('/var/lib/medgate/etc');
  });

  it('makes home folders read-only instead of hiding them when medgate lives in one, and says so', () => {
    const { text: t, notes: n } = serviceUnit({ ...base, entry: '/home/pi/medgate/bin/medgate.js', node: '/home/pi/.nvm/versions/node/v20.19.0/bin/node' });
    expect(value(t, 'Service', 'ProtectHome')).toBe('read-only');
    expect(n.join(' ')).toMatch(/\/home\/pi\/medgate\/bin\/medgate\.js.*under a home folder/);
  });

  it('refuses relative, unsafe or hidden paths, a shared folder, root and a bad user, naming each problem', () => {
    expect(problems({ configFile: 'medgate.json' })).toEqual([expect.stringMatching(/configuration file must be an absolute path/)]);
    expect(problems({ dataDir: './data' })).toEqual([expect.stringMatching(/data folder must be an absolute path/)]);
    expect(problems({ dataDir: '/var/lib/medgate/../x' })[0]).toMatch(/plain absolute path/);
    expect(problems({ dataDir: '/srv/clinic data' })[0]).toMatch(/space, quote/);
    expect(problems({ configFile: '/etc/medgate/100%.json' })[0]).toMatch(/space, quote, backslash, %/);
    expect(problems({ dataDir: '/tmp/medgate' })[0]).toMatch(/under \/tmp.*PrivateTmp=/);
    expect(problems({ watchedFolders: ['/var/tmp/drop'] })[0]).toMatch(/watched folder.*under \/var\/tmp/);
    expect(problems({ configFile: '/etc/medgate.json' })[0]).toMatch(/folder of its own.*not directly in \/etc/);
    expect(problems({ dataDir: '/var/lib' })[0]).toMatch(/data folder must be a folder of its own/);
    expect(problems({ watchedFolders: ['/mnt'] })[0]).toMatch(/watched folder must be a folder of its own/);
    expect(problems({ user: 'root' })[0]).toMatch(/must not run as root/);
    expect(problems({ user: 'Med Gate' })[0]).toMatch(/not a valid system user name/);
    expect(problems({ watchdogSec: -1 })[0]).toMatch(/whole number of seconds/);
    expect(problems({ configFile: 'a.json', dataDir: 'data', user: 'root' })).toHaveLength(3);
  });
});

describe('nextSteps', () => {
  it('creates the user in dialout, hands it the folders, and enables the unit', () => {
    const steps = nextSteps({ ...base, watchedFolders: ['/srv/ekg'] }, '/etc/systemd/system/medgate.service');
    expect(steps).toMatch(/useradd --system .*--groups dialout .*medgate/);
    expect(steps).toContain('install -d -o medgate -g medgate -m 0700 /var/lib/medgate');
    expect(steps).toContain('chown medgate:medgate /etc/medgate /etc/medgate/medgate.json');
    expect(steps).toContain('chown medgate:medgate /srv/ekg');
    expect(steps).toContain('systemctl daemon-reload');
    expect(steps).toContain('systemctl enable --now medgate.service');
    expect(steps).not.toContain('cp ');
  });

  it('copies a unit written elsewhere into place first', () => {
    expect(nextSteps(base, '/root/build/medgate.service')).toContain('cp /root/build/medgate.service /etc/systemd/system/medgate.service');
  });
});
