// `npm run build` (also run by `npm install` as the prepare step): the server as an ES module bundle
// in dist/ (plain node runs it: no TypeScript compiler and no bundler at run time) and the page as
// static files in dist/page. Optional parts stay in chunks of their own, loaded only when configured.

import { copyFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../src/package-root.ts';
import { DIST_DIR } from '../src/run-mode.ts';
import { PAGE_SOURCE_DIR, pageBuildOptions } from '../src/web/page-build.ts';

const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const started = Date.now();
// Built beside dist/ and swapped in whole: a build that fails leaves the last good one in place.
const NEXT = `${DIST_DIR}.next`;
const OLD = `${DIST_DIR}.old`;
await rm(NEXT, { recursive: true, force: true });

const server = await build({
  entryPoints: {
    cli: join(PACKAGE_ROOT, 'src', 'cli.ts'),
    'history-thread-worker': join(PACKAGE_ROOT, 'src', 'runtime', 'history-thread-worker.ts'),
  },
  outdir: NEXT,
  absWorkingDir: PACKAGE_ROOT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Runtime dependencies stay in node_modules (native add-ons and their prebuilt binaries load as
  // installed); a devDependency the server imports is bundled, only the parts used (node-hl7-client:
  // its own build is 4 MB of code and tables that cost 100 MB of memory when imported whole).
  // esbuild itself is imported only when the page is built from its sources (never from dist/).
  external: [...Object.keys(pkg.dependencies), 'esbuild'],
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: "import { createRequire as __medgateRequire } from 'node:module'; const require = __medgateRequire(import.meta.url);" },
  // node-hl7-client's bundle parses 3 MB of HL7 tables at load into a value nothing reads; a call
  // esbuild may drop when its result is unused is then dropped, tables and all.
  pure: ['JSON.parse'],
  // Readable stack traces in a clinic's journal matter more than a few kilobytes.
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
await writeFile(join(NEXT, 'meta.json'), JSON.stringify(server.metafile));
// V8 keeps a module's source in memory, twice as wide when it holds one non-ASCII character (esbuild
// escapes strings but not regular expressions): write such characters as \u escapes.
for (const file of Object.keys(server.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const text = await readFile(join(PACKAGE_ROOT, file), 'utf8');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${file} is not ASCII at offset ${at}: "${text.slice(Math.max(0, at - 40), at + 10)}"`);
}

await build({ ...pageBuildOptions, outdir: join(NEXT, 'page'), write: true });
await copyFile(join(PAGE_SOURCE_DIR, 'index.html'), join(NEXT, 'page', 'index.html'));
// A gateway still running from the old dist/ cannot load its optional parts after this: stop it
// before building (docs/backup-and-upgrade.md, "Upgrading").
await rm(OLD, { recursive: true, force: true });
await rename(DIST_DIR, OLD).catch((err: unknown) => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
});
await rename(NEXT, DIST_DIR);
await rm(OLD, { recursive: true, force: true });
console.error(`built dist/ in ${Date.now() - started} ms`);
