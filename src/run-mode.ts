// Whether this process runs the TypeScript sources (tests, development, through tsx) or the compiled
// bundle in dist/ (npm start, the installed package). A module's URL says which: the bundle has no .ts.

import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';

export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** Where the build writes the server bundle and the page's static files. */
export const DIST_DIR = join(PACKAGE_ROOT, 'dist');
export const PAGE_DIST_DIR = join(DIST_DIR, 'page');
