// axe-core run inside the page under test. Injected through the DevTools protocol (page.evaluate),
// which the page's Content-Security-Policy does not govern, so the CSP stays as strict as in use.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** WCAG 2.1 A and AA rules on what the page shows now; empty when none is violated. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type AxeResult = { passes: unknown[]; violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }> };
    // The test's tsconfig has no DOM types: the page's globals are reached through globalThis.
    const { axe, document } = globalThis as unknown as { axe: { run(ctx: unknown, opts: object): Promise<AxeResult> }; document: unknown };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    // No rule passed: axe ran nothing (an empty page), and an empty list would prove nothing.
    if (result.passes.length === 0) throw new Error('axe-core checked nothing on this page');
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
}
