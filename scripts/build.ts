// `npm run build` (also run by `npm install` as the prepare step): the server as an ES module bundle
// in dist/ (plain node runs it: no TypeScript compiler and no bundler at run time) and the page as
// static files in dist/page. Optional parts stay in chunks of their own, loaded only when configured.

import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../src/package-root.ts';
import { DIST_DIR, PAGE_DIST_DIR } from '../src/run-mode.ts';
import { PAGE_SOURCE_DIR, pageBuildOptions } from '../src/web/page-build.ts';

const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const started = Date.now();
await rm(DIST_DIR, { recursive: true, force: true });

const server = await build({
  entryPoints: {
    cli: join(PACKAGE_ROOT, 'src', 'cli.ts'),
    'history-thread-worker': join(PACKAGE_ROOT, 'src', 'runtime', 'history-thread-worker.ts'),
  },
  outdir: DIST_DIR,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Runtime dependencies stay in node_modules (native add-ons and their prebuilt binaries load as
  // installed); a devDependency the server imports is bundled, only the parts used (node-hl7-client:
  // its own build is 4 MB of code and tables that cost 100 MB of memory when imported whole).
  external: Object.keys(pkg.dependencies),
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
await writeFile(join(DIST_DIR, 'meta.json'), JSON.stringify(server.metafile));
// V8 keeps a module's source in memory, twice as wide when it holds one non-ASCII character (esbuild
// escapes strings but not regular expressions): write such characters as \u escapes.
for (const file of Object.keys(server.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const text = await readFile(join(PACKAGE_ROOT, file), 'utf8');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) throw new Error(`${file} is not ASCII at offset ${at}: "${text.slice(Math.max(0, at - 40), at + 10)}"`);
}

await build({ ...pageBuildOptions, outdir: PAGE_DIST_DIR, write: true });
await copyFile(join(PAGE_SOURCE_DIR, 'index.html'), join(PAGE_DIST_DIR, 'index.html'));
await mkdir(DIST_DIR, { recursive: true });
console.error(`built dist/ in ${Date.now() - started} ms`);
