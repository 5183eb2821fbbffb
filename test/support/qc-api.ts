// Reads the QC log, its rejections and the patient lists through a gateway process's API, as the lab
// lead's page and a medical assistant's held list do; and the one check every QC test ends with: the
// control is in the QC log and nowhere a patient's result could be taken from.

import { expect } from 'vitest';
import type { QcEntryView, QcOverview, QcPage, QcRejectionView } from '../../src/qc/qc-view.ts';
import type { ReadingView } from '../../src/web/api-types.ts';
import type { EhrStandin } from './ehr-standin-client.ts';
import { eventually } from './eventually.ts';
import type { GatewayProcess } from './gateway-process.ts';
import type { SignedIn } from './sign-in.ts';

async function ok<T>(gw: GatewayProcess, path: string): Promise<T> {
  const res = await gw.api<T>('GET', path);
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** GET /api/qc with these filters (newest first). */
export async function qcEntries(gw: GatewayProcess, filter: { device?: string; test?: string; lot?: string; limit?: number } = {}): Promise<QcEntryView[]> {
  const q = new URLSearchParams(Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)]));
  return (await ok<QcPage>(gw, `/api/qc?${q.toString()}`)).entries;
}

/** Waits until GET /api/qc lists `n` entries for the filter; returns them (newest first). */
export async function awaitQcEntries(
  gw: GatewayProcess,
  filter: { device: string; test?: string; lot?: string },
  n: number,
  timeoutMs = 15_000,
): Promise<QcEntryView[]> {
  return eventually(async () => {
    const entries = await qcEntries(gw, { ...filter, limit: 1000 });
    expect(entries).toHaveLength(n);
    return entries;
  }, timeoutMs);
}

export const qcOverview = (gw: GatewayProcess): Promise<QcOverview> => ok<QcOverview>(gw, '/api/qc/overview');

/** GET /api/qc/rejections/:id (`{ rejection }`, as single items are answered). */
export async function qcRejection(gw: GatewayProcess, id: string): Promise<QcRejectionView> {
  return (await ok<{ rejection: QcRejectionView }>(gw, `/api/qc/rejections/${encodeURIComponent(id)}`)).rejection;
}

/** The held readings of one device, newest first. */
export async function heldOf(gw: GatewayProcess, device: string): Promise<ReadingView[]> {
  return (await ok<{ readings: ReadingView[] }>(gw, `/api/readings?status=held&device=${encodeURIComponent(device)}&limit=1000`)).readings;
}

const READING_LISTS = ['held', 'queued', 'delivered', 'dead', 'discarded'] as const;

/**
 * `text` (a control's sample ID) is in no reading of any status (a hold reason may name the lot: the
 * reading itself may not), no outbox message, no rejected input and no EHR message: a person could
 * take it for a patient's result nowhere.
 */
export async function expectNowhereForPatients(gw: GatewayProcess, ehr: EhrStandin, text: string): Promise<void> {
  for (const status of READING_LISTS) {
    const page = await ok<{ readings: ReadingView[] }>(gw, `/api/readings?status=${status}&limit=1000`);
    expect(JSON.stringify(page.readings.map((r) => r.reading)), `GET /api/readings?status=${status}`).not.toContain(text);
  }
  expect(JSON.stringify(await ok(gw, '/api/messages?limit=1000')), 'GET /api/messages').not.toContain(text);
  expect(JSON.stringify(await ok(gw, '/api/rejected?limit=1000')), 'GET /api/rejected').not.toContain(text);
  expect(
    ehr.messages.filter((m) => m.text.includes(text)).map((m) => m.controlId),
    'messages at the EHR',
  ).toEqual([]);
}

export interface AuditLine {
  at: string;
  who: string;
  action: string;
  device?: string;
  reading?: string;
  reason?: string;
}

/** The audit journal's entries of one action (and device), newest first. */
export async function audited(gw: GatewayProcess, action: string, device?: string): Promise<AuditLine[]> {
  const q = new URLSearchParams({ action, limit: '100', ...(device ? { device } : {}) });
  return (await ok<{ audit: AuditLine[] }>(gw, `/api/audit?${q.toString()}`)).audit;
}

export interface HealthLine {
  code: string;
  severity: string;
  subject?: string;
  message: string;
  since?: string;
  count?: number;
}

/** GET /api/health's reasons with this code. */
export async function healthReasons(gw: GatewayProcess, code: string): Promise<HealthLine[]> {
  return (await ok<{ status: string; reasons: HealthLine[] }>(gw, '/api/health')).reasons.filter((r) => r.code === code);
}

export interface StatusLine {
  kind: string;
  severity: string;
  text: string;
  count?: number;
  counted?: string;
  device?: string;
}

/** GET /api/status's problems of this kind. */
export async function statusProblems(gw: GatewayProcess, kind: string): Promise<StatusLine[]> {
  return (await ok<{ problems: StatusLine[] }>(gw, '/api/status')).problems.filter((p) => p.kind === kind);
}

/** No log line above debug carries any of these measured values (QC values included): codes and ids only. */
export function expectNotLogged(gw: GatewayProcess, values: string[]): void {
  const shown = (line: string, v: string) => new RegExp(`(?<![\\d.])${v.replaceAll('.', '\\.')}(?!\\d)`).test(line);
  const level = (line: string): number => {
    try {
      return (JSON.parse(line) as { level?: number }).level ?? 0;
    } catch {
      return 100; // not the logger's JSON: printed whatever the level
    }
  };
  const leaks = gw.rawLogs.filter((line) => values.some((v) => shown(line, v)) && level(line) > 20);
  expect(leaks, 'log lines above debug naming a measured value').toEqual([]);
}

/** A request as a signed-in person makes it from the page (session cookie, CSRF token on changes). */
export async function asUser<T>(gw: GatewayProcess, user: SignedIn, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { cookie: user.cookie, 'x-csrf-token': user.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface EventStream {
  /** Every event's data so far, parsed. */
  events(): Array<Record<string, unknown>>;
  close(): void;
}

/** GET /api/events as the page holds it open (server-sent events), signed in as `user`. */
export async function listenToEvents(gw: GatewayProcess, user: SignedIn): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${gw.url}/api/events`, { headers: { cookie: user.cookie }, signal: abort.signal });
  expect(res.status).toBe(200);
  let text = '';
  void (async () => {
    for await (const chunk of res.body!) text += Buffer.from(chunk as Uint8Array).toString('utf8');
  })().catch(() => undefined);
  return {
    // Whole events only: the last block may still be arriving.
    events: () =>
      text
        .split('\n\n')
        .slice(0, -1)
        .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data:')))
        .map((line) => JSON.parse(line.slice(5)) as Record<string, unknown>),
    close: () => abort.abort(),
  };
}
