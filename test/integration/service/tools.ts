// Which of the programs a test needs are missing here (systemd-analyze, systemd-notify, perl).

import { spawnSync } from 'node:child_process';

export function missingTools(tools: string[]): string[] {
  return tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}
