// The V8 settings of src/node-flags.ts reach every way the gateway is started: a place that forgot
// them would run a gateway 30 MB larger than the one measured.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../../src/node-flags.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { serviceUnit } from '../../../src/service/unit.ts';

const read = (file: string) => readFileSync(join(PACKAGE_ROOT, file), 'utf8');

describe('node flags', () => {
  it('are on the first line of bin/medgate.js, which runs it through env -S', () => {
    expect(read('bin/medgate.js').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('are in the npm scripts that start the gateway', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'medgate']) expect(scripts[name]).toMatch(new RegExp(`^node ${NODE_FLAGS.join(' ')} bin/medgate\\.js\\b`));
  });

  it("are in the systemd unit's ExecStart", () => {
    const unit = serviceUnit({
      configFile: '/etc/medgate/medgate.json',
      dataDir: '/var/lib/medgate',
      watchedFolders: [],
      user: 'medgate',
      node: '/usr/bin/node',
      entry: '/opt/medgate/bin/medgate.js',
      watchdogSec: 30,
    });
    expect(unit.text).toContain(`ExecStart=/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/medgate/bin/medgate.js start --config /etc/medgate/medgate.json`);
  });
});
