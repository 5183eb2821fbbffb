// What is left to do once the unit is written: the user, the folders' owner, and systemd. Printed by
// `medgate install-service`, which itself writes one file and changes nothing else.

import { basename, dirname } from 'node:path';
import type { ServiceUnitOptions } from './unit.ts';

export const SYSTEM_UNIT_DIR = '/etc/systemd/system';

export function nextSteps(o: Pick<ServiceUnitOptions, 'configFile' | 'dataDir' | 'watchedFolders' | 'user'>, unitFile: string, notes: string[] = []): string {
  const unit = basename(unitFile);
  const installed = `${SYSTEM_UNIT_DIR}/${unit}`;
  const configDir = dirname(o.configFile);
  const steps = [
    `useradd --system --user-group --groups dialout --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${o.user}`,
    `    (if "${o.user}" exists already: usermod --append --groups dialout ${o.user})`,
    `install -d -o ${o.user} -g ${o.user} -m 0700 ${o.dataDir}`,
    `chown ${o.user}:${o.user} ${configDir} ${o.configFile} && chmod 0700 ${configDir} && chmod 0600 ${o.configFile}`,
    ...[...new Set(o.watchedFolders)].map((f) => `chown ${o.user}:${o.user} ${f}    (a watched folder: the gateway moves each file it has read to processed/)`),
    ...(dirname(unitFile) === SYSTEM_UNIT_DIR ? [] : [`cp ${unitFile} ${installed}`]),
    `systemd-analyze verify ${installed}`,
    'systemctl daemon-reload',
    `systemctl enable --now ${unit}`,
    `journalctl -u ${unit} -f    (the first start prints a one-time link that creates the first administrator)`,
  ];
  return [...notes.map((n) => `note: ${n}`), 'next steps, as root:', ...steps.map((s) => `  ${s}`)].join('\n');
}
