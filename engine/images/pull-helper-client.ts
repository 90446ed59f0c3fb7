/**
 * Layer downloads and unpacking run in a helper process, started on demand and stopped when no pull
 * has needed it for a moment. Why a process and not the engine itself (or a worker thread):
 *  - the engine runs with allocator settings that keep it small when idle (bin/berth: a 32 KiB mmap
 *    threshold, 1 MB young generation). A pull churns through 64-256 KiB socket, zlib and file buffers:
 *    under those settings each one is a fresh mmap, page faults and munmap. On a VM where page faults
 *    are dear that dominated everything (node merely reading 208 MB from a loopback socket: 4.3 s CPU
 *    with the 32 KiB threshold, 0.5 s with glibc's default), and a worker thread shares the process's
 *    allocator. The helper runs with the defaults; whatever it grew goes back to the system when it exits;
 *  - hashing, decompressing and unpacking use a second core without touching the API's event loop.
 * The helper exits when the engine's end of the IPC channel closes, so it never outlives the engine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EngineError, SystemError } from '../errors.js';
import { BlobVerificationError } from '../registry/blob-stream.js';
import type { UnpackedLayer } from '../store/layer-store.js';
import type { LayerHooks, LayerJob } from './layer-fill.js';
import type { HelperReply, HelperRequest, SerializedError } from './pull-helper-protocol.js';

/**
 * How long an unused helper stays around (it holds ~100+ MB after a large pull). Consecutive pulls
 * (compose, the next image, a retry) reuse it: a fresh helper costs its start, an unwarmed JIT and a
 * heap to grow, measured at ~1 s more CPU than a warm one for a 200 MB pull.
 */
const IDLE_MS = 5000;

interface Pending {
  child: ChildProcess;
  hooks: LayerHooks;
  signal?: AbortSignal;
  resolve(result: UnpackedLayer): void;
  reject(err: unknown): void;
  cleanup(): void;
}

/** Allocator settings the launcher gives the engine for its idle size; the helper takes glibc's defaults. */
const ENGINE_ONLY_ENV = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'];

export class PullHelper {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = IDLE_MS) {}

  /** The running helper's process ID (none before the first job and after an idle exit). */
  get pid(): number | undefined {
    return this.child?.connected ? this.child.pid : undefined;
  }

  /** Runs `job` in the helper; resolves with the unpacked layer's diff ID and size. */
  fill(job: LayerJob, hooks: LayerHooks, signal?: AbortSignal): Promise<UnpackedLayer> {
    signal?.throwIfAborted();
    const child = this.ensure();
    const id = this.nextId++;
    return new Promise<UnpackedLayer>((resolve, reject) => {
      const onAbort = () => this.send(child, { type: 'abort', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        child,
        hooks,
        signal,
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.busy(child);
      this.send(child, { type: 'fill', id, job });
    });
  }

  /** Starts the helper ahead of its first job (a pull does this before it resolves the manifest). */
  warm(): void {
    const child = this.ensure();
    if (this.pending.size === 0) this.idle(child);
  }

  private ensure(): ChildProcess {
    if (this.child && this.child.connected) return this.child;
    const { entry, execArgv } = helperEntry();
    const env = { ...process.env };
    for (const k of ENGINE_ONLY_ENV) delete env[k];
    // Inside Electron (the engine's utility process) process.execPath is Electron: run it as plain Node.
    if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    const child = fork(entry, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (msg: HelperReply) => this.onReply(msg));
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const [id, p] of this.pending) {
        if (p.child !== child) continue;
        this.settle(id);
        p.reject(p.signal?.aborted ? abortReason(p.signal) : new SystemError(`pull helper ${why}`));
      }
    };
    child.on('error', (err) => gone(`failed: ${err.message}`));
    child.on('exit', (code, sig) => gone(`exited unexpectedly (${sig ?? `status ${code}`})`));
    return child;
  }

  private send(child: ChildProcess, msg: HelperRequest): void {
    if (child.connected) child.send(msg);
  }

  private onReply(msg: HelperReply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'progress':
        p.hooks.onProgress(msg.bytes);
        break;
      case 'stored':
        p.hooks.onStored();
        break;
      case 'done':
        this.settle(msg.id);
        p.resolve(msg.result);
        break;
      case 'failed':
        this.settle(msg.id);
        p.reject(p.signal?.aborted ? abortReason(p.signal) : reviveError(msg.error));
        break;
    }
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    p.cleanup();
    this.pending.delete(id);
    if (this.pending.size === 0) this.idle(p.child);
  }

  /** While jobs run, the channel keeps the engine's event loop alive; an idle helper does not. */
  private busy(child: ChildProcess): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    child.ref();
    (child.channel as { ref?: () => void } | null | undefined)?.ref?.();
  }

  private idle(child: ChildProcess): void {
    child.unref();
    (child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // Closing the channel makes the helper exit (pull-helper.ts).
      if (this.pending.size === 0 && child.connected) child.disconnect();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

/**
 * The helper's entry next to this module: the compiled `.js` in dist/, or the `.ts` source under tsx
 * and vitest (then the child loads tsx itself: a worker of vitest has no TypeScript loader of its own).
 */
function helperEntry(): { entry: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    return { entry: join(dirname(here), 'pull-helper.ts'), execArgv: ['--import', pathToFileURL(tsx).href] };
  }
  return { entry: join(dirname(here), 'pull-helper.js'), execArgv: [] };
}

function reviveError(e: SerializedError): Error {
  if (e.name === 'BlobVerificationError') return new BlobVerificationError(e.message);
  const err = e.status !== undefined ? new EngineError(e.message, e.status) : new Error(e.message);
  err.name = e.name;
  return err;
}

function abortReason(signal: AbortSignal): unknown {
  const r: unknown = signal.reason;
  return r instanceof Error ? r : new Error('The operation was aborted');
}
