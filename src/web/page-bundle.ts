// The page, built from its TypeScript and CSS sources in memory when the server starts (esbuild, no
// network, no build step to forget), and served from memory with headers that forbid anything
// but our own origin.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

export async function buildPage(): Promise<PageAssets> {
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outdir: 'out',
    entryNames: 'app',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  if (js === undefined) throw new Error('page build produced no script');
  return { html: await readFile(join(PAGE_DIR, 'index.html'), 'utf8'), js, css };
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
    const serve = (body: string, type: string) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
      reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type(type).send(body);
    app.get('/', serve(assets.html, 'text/html; charset=utf-8'));
    app.get('/app.js', serve(assets.js, 'text/javascript; charset=utf-8'));
    app.get('/app.css', serve(assets.css, 'text/css; charset=utf-8'));
  };
}
