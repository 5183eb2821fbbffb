// How the page's TypeScript and CSS become app.js and app.css: one definition, used by the build
// (scripts/build.ts, into dist/page) and, when the gateway runs from its sources, in memory at start.

import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { PACKAGE_ROOT } from '../package-root.ts';

export const PAGE_SOURCE_DIR = join(PACKAGE_ROOT, 'src', 'web', 'page');

export const pageBuildOptions: BuildOptions = {
  entryPoints: [join(PAGE_SOURCE_DIR, 'main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  entryNames: 'app',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
};
