/**
 * The pull helper process (started by pull-helper-client.ts): runs layer jobs — download, verify,
 * store, unpack — and reports progress and results over the IPC channel. It exits as soon as the
 * channel closes, so it never outlives the engine (and never writes into a data root a restarted
 * engine has just cleaned).
 */
import { RegistryClient } from '../registry/client.js';
import { ContentStore } from '../store/content-store.js';
import { fillLayer, type LayerJob } from './layer-fill.js';
import type { HelperReply, HelperRequest } from './pull-helper-protocol.js';

/** Progress messages per job at most this often (the engine throttles its own output at 100 ms). */
const PROGRESS_MS = 50;

const jobs = new Map<number, AbortController>();
const registries = new Map<string, RegistryClient>();
const stores = new Map<string, ContentStore>();

function send(msg: HelperReply): void {
  if (process.connected) process.send!(msg);
}

function registryFor(job: LayerJob): RegistryClient {
  const key = JSON.stringify(job.registry);
  let client = registries.get(key);
  if (!client) {
    client = new RegistryClient(job.registry);
    registries.set(key, client);
  }
  client.learn(job.hints);
  return client;
}

function contentFor(dataRoot: string): ContentStore {
  let store = stores.get(dataRoot);
  if (!store) {
    store = new ContentStore(dataRoot);
    stores.set(dataRoot, store);
  }
  return store;
}

async function run(id: number, job: LayerJob): Promise<void> {
  const controller = new AbortController();
  jobs.set(id, controller);
  let last = 0;
  let pendingBytes: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (pendingBytes !== undefined) send({ type: 'progress', id, bytes: pendingBytes });
    pendingBytes = undefined;
    last = Date.now();
  };
  try {
    const result = await fillLayer(
      { registry: registryFor(job), content: contentFor(job.dataRoot) },
      job,
      {
        onProgress: (bytes) => {
          pendingBytes = bytes;
          const wait = PROGRESS_MS - (Date.now() - last);
          if (wait <= 0) flush();
          else timer ??= setTimeout(flush, wait);
        },
        onStored: () => {
          if (timer) clearTimeout(timer);
          flush();
          send({ type: 'stored', id });
        },
      },
      controller.signal,
    );
    if (timer) clearTimeout(timer);
    flush();
    send({ type: 'done', id, result });
  } catch (err) {
    if (timer) clearTimeout(timer);
    const e = err instanceof Error ? err : new Error(String(err));
    const status = (e as { status?: unknown }).status;
    send({
      type: 'failed',
      id,
      error: { name: e.name, message: e.message, status: typeof status === 'number' ? status : undefined },
    });
  } finally {
    jobs.delete(id);
  }
}

process.on('disconnect', () => process.exit(0));
process.on('message', (msg: HelperRequest) => {
  if (msg.type === 'fill') void run(msg.id, msg.job);
  else if (msg.type === 'abort') jobs.get(msg.id)?.abort(new Error('The operation was aborted'));
});
