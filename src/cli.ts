// `medgate <command>`: finds the command and hands over. Each command is its own module, loaded only
// when it runs, so `check-config` does not load the web server and `start` does not load simulators.

import { UsageError } from './commands/usage-error.ts';

type Command = { usage: string; load: () => Promise<(args: string[]) => Promise<number>> };

const COMMANDS: Record<string, Command> = {
  start: { usage: 'start --config FILE', load: async () => (await import('./commands/start.ts')).run },
  demo: {
    usage: 'demo            (simulated devices, a built-in EHR and the page; edits go to data/demo/medgate.json)',
    load: async () => (await import('./commands/start.ts')).demo,
  },
  'check-config': { usage: 'check-config FILE   (or --config FILE)', load: async () => (await import('./commands/check-config.ts')).run },
  backup: {
    usage: 'backup --config FILE --to ARCHIVE [--with-token]   (running or stopped; the API token only with --with-token)',
    load: async () => (await import('./commands/backup.ts')).run,
  },
  restore: {
    usage:
      'restore --from ARCHIVE --config FILE [--data-dir DIR] [--force]   (gateway stopped; --data-dir when FILE does not exist yet; --force moves what is there aside)',
    load: async () => (await import('./commands/restore.ts')).run,
  },
  'install-service': {
    usage:
      'install-service --config /ABSOLUTE/FILE [--user medgate] [--node PATH] [--entry PATH] [--watchdog-sec 30] [--output FILE | --print]   (writes the systemd unit)',
    load: async () => (await import('./commands/install-service.ts')).run,
  },
  simulate: {
    usage: `simulate <driver> (--serial PATH | --tcp-listen [HOST:]PORT | --tcp-connect HOST:PORT)
                   [--count N] [--interval MS] [--faults F1,F2] [--seed N]   (a wrong driver or fault name lists the known ones)
                   lab analyzers: [--scan SPEC1,SPEC2 [--scan-interval MS]] [--orders-only] [--query-wait MS]
                   [--results-for-unknown] [--run-worklist-after MS] [--refuse-downloads nak|eot|busy|AR|AE [--refuse-reason TEXT]]
                   [--qc-every MS [--qc-out-of-control 1-2s|1-3s|2-2s|R-4s|4-1s|10-x[@RUN][:TEST]]] [--qc-by-sample-id]`,
    load: async () => (await import('./commands/simulate.ts')).run,
  },
};

const usage = () =>
  `usage:\n${Object.values(COMMANDS)
    .map((c) => `  medgate ${c.usage}`)
    .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) throw new UsageError(name ? `unknown command "${name}"` : 'no command');
  return (await command.load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
