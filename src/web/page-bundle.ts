// The page: from dist/page when the gateway runs compiled (built once by `npm install`), or built in
// memory from its sources when it runs through tsx (tests, development), so an edit shows at the next
// start without a build step. Served from memory with headers that forbid anything but our own origin.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FROM_SOURCES, PAGE_DIST_DIR } from '../run-mode.ts';
import { FAVICON_SVG } from './favicon.ts';
import { PAGE_SOURCE_DIR, pageBuildOptions } from './page-build.ts';
import { errorText } from '../model/error-text.ts';

export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

export async function loadPage(): Promise<PageAssets> {
  return FROM_SOURCES ? buildPageInMemory() : readBuiltPage();
}

async function readBuiltPage(): Promise<PageAssets> {
  const read = (name: string) =>
    readFile(join(PAGE_DIST_DIR, name), 'utf8').catch((err: unknown) => {
      throw new Error(`the page's ${name} is missing from ${PAGE_DIST_DIR} (${errorText(err)}): run "npm run build"`);
    });
  const [html, js, css] = await Promise.all([read('index.html'), read('app.js'), read('app.css')]);
  return { html, js, css };
}

async function buildPageInMemory(): Promise<PageAssets> {
  const { build } = await import('esbuild');
  const result = await build({ ...pageBuildOptions, write: false, outdir: 'out' });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  if (js === undefined) throw new Error('page build produced no script');
  return { html: await readFile(join(PAGE_SOURCE_DIR, 'index.html'), 'utf8'), js, css };
}

// No inline script or style, no other origin: a value a device sends can never run as code here.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export function pageRoutes(assets: PageAssets) {
  return async function (app: FastifyInstance): Promise<void> {
    const serve = (body: string, type: string) => async (_req: unknown, reply: FastifyReply) =>
      reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type(type).send(body);
    app.get('/', serve(assets.html, 'text/html; charset=utf-8'));
    app.get('/app.js', serve(assets.js, 'text/javascript; charset=utf-8'));
    app.get('/app.css', serve(assets.css, 'text/css; charset=utf-8'));
    app.get('/favicon.svg', serve(FAVICON_SVG, 'image/svg+xml'));
    app.get('/favicon.ico', serve(FAVICON_SVG, 'image/svg+xml'));
  };
}
