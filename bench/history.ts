// The history with 1,000,000 delivered messages: seeded over 90 days in the bench's own temporary
// data folder (a blood-pressure reading with its patient and its ORU, built by the gateway's own
// encoder, and the EHR's ACK: a record as archive.ts writes it), then read through the real API
// routes (GET /api/messages/:id, GET /api/messages?limit=50, served by buildGatewayApi over the
// HistoryStore, in-process through Fastify's inject).
// - history_lookup_ms: GET /api/messages/:id of a message older than 60 days (the slowest of the runs)
// - history_list_ms: GET /api/messages?limit=50 (the slowest of the runs)
// - event_loop_max_ms: the largest event-loop delay while those requests ran (perf_hooks
//   monitorEventLoopDelay)
// Run alone: node --import tsx -e "import('./bench/history.ts').then((m) => m.runHistoryBench()).then((r) => console.log(JSON.stringify(r)))"

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { encodeOruPcd01 } from '../src/hl7/oru-pcd01.ts';
import { silentLogger } from '../src/model/logger.ts';
import type { Reading } from '../src/model/reading.ts';
import { newId } from '../src/pipeline/ids.ts';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.ts';
import { buildGatewayApi } from '../src/runtime/gateway-api.ts';
import { openEngine } from '../src/store/engine.ts';
import { HistoryStore } from '../src/store/history-store.ts';
import { RejectsJournal } from '../src/store/rejects.ts';
import { StateStore } from '../src/store/state-store.ts';
import type { HistoryRecord } from '../src/store/types.ts';
import type { SlimReading } from '../src/web/api-types.ts';
import { slimReading } from '../src/web/reading-views.ts';
import { messageRoutes } from '../src/web/routes/messages.ts';

export interface HistoryBenchResult {
  history_lookup_ms: number;
  history_list_ms: number;
  event_loop_max_ms: number;
  /** How many messages the history held, and how long seeding them took. */
  history_messages: number;
  history_seed_s: number;
  /** The database file's size with them. */
  history_db_mb: number;
}

export interface HistoryBenchOptions {
  messages?: number;
  days?: number;
  /** Requests of each kind measured. */
  runs?: number;
}

const DAY_MS = 86_400_000;
const SEED_BATCH = 5000;
/** The control ID the template is encoded with; each record gets its own id of the same length. */
const PLACEHOLDER = 'PLACEHOLDER00000';

function bpReading(id: string, at: string, mrn: string): Reading {
  return {
    id,
    deviceId: `bp-${mrn.slice(-1)}`,
    kind: 'bp',
    observedAt: at,
    receivedAt: at,
    observations: [
      {
        code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
        value: 124,
        precision: 0,
        unit: 'mm[Hg]',
        status: 'F',
      },
      {
        code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4', display: 'Diastolic blood pressure' },
        value: 81,
        precision: 0,
        unit: 'mm[Hg]',
        status: 'F',
      },
      {
        code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', display: 'Mean blood pressure' },
        value: 95,
        precision: 0,
        unit: 'mm[Hg]',
        status: 'F',
      },
      {
        code: { mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', display: 'Pulse rate (NIBP)' },
        value: 66,
        precision: 0,
        unit: '/min',
        status: 'F',
      },
    ],
    raw: '124,081,095,066',
  };
}

const PATIENT = { mrn: 'MRN0000000', assigningAuthority: 'CLINIC', family: 'Example', given: 'Alice', dob: '1961-01-01', sex: 'F' as const };

/** One delivered record: every string that differs per record has the template's length. */
function recordAt(ms: number, template: string): HistoryRecord {
  const at = new Date(ms).toISOString();
  const id = newId(new Date(ms));
  const mrn = `MRN${String(ms % 10_000_000).padStart(7, '0')}`;
  const body = template.replaceAll(PLACEHOLDER, id);
  return {
    at,
    reading: {
      reading: bpReading(id, at, mrn),
      status: 'delivered',
      holdReasons: [],
      patient: { ...PATIENT, mrn },
      patientSource: 'binding',
      messageIds: [id],
      updatedAt: at,
    },
    messages: [
      {
        id,
        destinationId: 'ehr',
        readingId: id,
        seq: ms,
        controlId: id,
        body,
        state: 'delivered',
        attempts: 1,
        createdAt: at,
        lastAttemptAt: at,
        ack: { code: 'AA', controlId: id, raw: `MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250101000000||ACK^R01^ACK|${id}|P|2.6\rMSA|AA|${id}\r`, at },
        deliveredAt: at,
      },
    ],
  };
}

async function seed(history: HistoryStore<SlimReading>, n: number, days: number): Promise<{ oldIds: string[] }> {
  const template = encodeOruPcd01(bpReading(PLACEHOLDER, '2025-01-01T00:00:00.000Z', PATIENT.mrn), {
    controlId: PLACEHOLDER,
    now: new Date('2025-01-01T00:00:05.000Z'),
    sendingApplication: { name: 'MEDGATE', eui64: '0018E2FFFE00A1B2' },
    sendingFacility: 'CLINIC',
    receivingApplication: 'EHR',
    receivingFacility: 'HOSP',
    patient: PATIENT,
    device: { id: 'bp-1', label: 'Accutorr', kind: 'bp' },
  });
  const end = Date.now() - 60_000;
  const start = end - days * DAY_MS;
  const step = (end - start) / n;
  const oldIds: string[] = [];
  // Two batches in flight: one is built while the other is committed.
  let inFlight: Promise<void> | undefined;
  for (let i = 0; i < n; i += SEED_BATCH) {
    const batch: HistoryRecord[] = [];
    for (let j = i; j < Math.min(n, i + SEED_BATCH); j++) {
      const record = recordAt(Math.round(start + j * step), template);
      batch.push(record);
      // Older than 60 days: the kind of message an interface analyst looks up weeks later.
      if (j % 9973 === 0 && Date.parse(record.at) < end - 60 * DAY_MS) oldIds.push(record.messages[0]!.id);
    }
    const next = history.append(batch);
    await inFlight;
    inFlight = next;
  }
  await inFlight;
  return { oldIds };
}

function elapsedMs(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function runHistoryBench(opts: HistoryBenchOptions = {}): Promise<HistoryBenchResult> {
  const messages = opts.messages ?? 1_000_000;
  const runs = opts.runs ?? 50;
  const dataDir = mkdtempSync(join(tmpdir(), 'medgate-bench-history-'));
  const engine = openEngine(dataDir);
  const store = await StateStore.open(join(dataDir, 'state.json'), { log: silentLogger });
  const app = Fastify();
  try {
    const history = new HistoryStore(engine, { log: silentLogger, listView: slimReading });
    const seedStart = process.hrtime.bigint();
    const { oldIds } = await seed(history, messages, opts.days ?? 90);
    const history_seed_s = Math.round(elapsedMs(seedStart) / 100) / 10;

    // The routes read only the state document and the history; nothing else is reached.
    const unused = undefined as never;
    const api = buildGatewayApi({
      store,
      engine,
      history,
      rejects: new RejectsJournal(engine, { log: silentLogger }),
      audit: unused,
      intake: unused,
      devices: unused,
      destinations: unused,
      metrics: new GatewayMetrics({ dataDir }),
      configFile: unused,
      drivers: unused,
      hasSimulator: () => false,
      subscribe: () => () => undefined,
      emit: () => undefined,
      setDestinations: () => undefined,
      log: silentLogger,
    });
    await app.register(messageRoutes(api), { prefix: '/api' });
    await app.ready();

    const request = async (url: string): Promise<number> => {
      const t = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url });
      const ms = elapsedMs(t);
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
      return ms;
    };

    // Once each first: what the first request of a route costs (compiling its schema) is not the history's.
    await request(`/api/messages/${oldIds[0]!}`);
    await request('/api/messages?limit=50');
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    let lookup = 0;
    let list = 0;
    for (let i = 0; i < runs; i++) {
      const id = oldIds[i % oldIds.length]!;
      lookup = Math.max(lookup, await request(`/api/messages/${id}`));
      list = Math.max(list, await request('/api/messages?limit=50'));
      // Let the monitor's timer fire between requests: a request's own blocking shows as delay.
      await new Promise((r) => setTimeout(r, 2));
    }
    loop.disable();
    return {
      history_lookup_ms: round(lookup),
      history_list_ms: round(list),
      event_loop_max_ms: round(loop.max / 1e6),
      history_messages: messages,
      history_seed_s,
      history_db_mb: Math.round(statSync(join(engine.path, 'data.mdb')).size / 1e6),
    };
  } finally {
    await app.close();
    await store.close();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
