// The worker side of history-thread.ts: the data folder's environment (already checked by the main
// thread) and HistoryStore's own append, one request at a time in the order they came.

import { parentPort, workerData } from 'node:worker_threads';
import { attachEngine } from '../store/engine.ts';
import { HistoryStore } from '../store/history-store.ts';
import { slimReading } from '../web/reading-views.ts';
import type { ThreadReply, ThreadRequest } from './history-thread.ts';
import { errorText } from '../model/error-text.ts';

const port = parentPort;
if (!port) throw new Error('history-thread-worker.ts runs as a worker thread');
const { dataDir } = workerData as { dataDir: string };
const engine = attachEngine(dataDir);
// The same list view as the main thread's store (gateway.ts), so listed records look alike.
const history = new HistoryStore(engine, { listView: slimReading });

const reply = (r: ThreadReply): void => port.postMessage(r);
const underWay = new Set<Promise<void>>();

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'close') {
    // What was sent before the close is written (and answered) first.
    void Promise.allSettled(underWay)
      .then(() => engine.close())
      .finally(() => {
        reply({ type: 'closed' });
        port.close();
      });
    return;
  }
  const done = history.appendHere(request.records).then(
    () => reply({ type: 'appended', id: request.id }),
    (err: unknown) => reply({ type: 'appended', id: request.id, error: errorText(err) }),
  );
  underWay.add(done);
  void done.finally(() => underWay.delete(done));
});
reply({ type: 'ready' });
