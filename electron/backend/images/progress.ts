// Turns the engine's JSON progress stream (docker's jsonmessage lines) into the contract's transfer
// events: one state per layer plus an overall figure, with byte updates of a layer coalesced so a fast
// pull does not flood the bridge.
import type { LayerProgress, TransferEvent, TransferOverall } from '../../contract/images.js';
import { HandlerError } from '../errors.js';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
}

interface LayerState extends LayerProgress {
  /** Size of the transfer (download or upload) once known; extraction has its own total. */
  transferTotal?: number;
  transferred: number;
  lastEmit: number;
  /** An update was coalesced away and not sent yet. */
  dirty: boolean;
}

const COALESCE_MS = 100;

/** Maps the engine's per-layer words to a phase; docker, Berth and podman's compat API use these. */
export function phaseOf(status: string): LayerProgress['phase'] {
  const s = status.toLowerCase();
  if (s.startsWith('already exists') || s.startsWith('layer already exists') || s.startsWith('mounted from'))
    return 'exists';
  if (s.startsWith('pull complete') || s.startsWith('pushed') || s.startsWith('download complete'))
    return s.startsWith('download complete') ? 'verifying' : 'done';
  if (s.startsWith('downloading') || s.startsWith('retrying')) return 'downloading';
  if (s.startsWith('verifying')) return 'verifying';
  if (s.startsWith('extracting')) return 'extracting';
  if (s.startsWith('pushing')) return 'uploading';
  return 'waiting';
}

/** Status lines that carry an id but are about the whole transfer, not a layer. */
function isTransferLine(msg: JsonMessage): boolean {
  const s = msg.status ?? '';
  return /^(Pulling from|The push refers to|Pulling repository|Digest:|Status:)/.test(s);
}

/** Auth failures as the engines word them, so the UI can offer a login. */
export function isAuthError(message: string): boolean {
  return /unauthorized|authentication required|no basic auth credentials|access (to the resource is )?denied|denied:|requested access to the resource is denied|may require 'docker login'|incorrect username or password/i.test(
    message,
  );
}

export class TransferTracker {
  private readonly layers = new Map<string, LayerState>();
  digest?: string;
  upToDate = false;

  constructor(
    private readonly emit: (e: TransferEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  overall(): TransferOverall {
    let current = 0;
    let total = 0;
    let done = 0;
    for (const l of this.layers.values()) {
      if (l.phase === 'done' || l.phase === 'exists') done++;
      if (l.phase === 'exists' || l.transferTotal === undefined) continue;
      total += l.transferTotal;
      current += Math.min(l.transferred, l.transferTotal);
    }
    return { current, total, layersDone: done, layersTotal: this.layers.size };
  }

  /** Feeds one message; throws a HandlerError for an error message (401 for auth failures). */
  handle(msg: JsonMessage): void {
    if (msg.error || msg.errorDetail?.message) {
      const message = msg.errorDetail?.message || msg.error || 'the engine reported an error';
      throw new HandlerError(message, isAuthError(message) ? 401 : msg.errorDetail?.code || 500);
    }
    if (msg.aux?.Digest) this.digest = msg.aux.Digest;
    const status = msg.status ?? '';
    if (!status) return;
    if (msg.id && !isTransferLine(msg)) {
      this.layer(msg.id, status, msg.progressDetail);
      return;
    }
    const digest = /^Digest: (sha256:[a-f0-9]{64})/.exec(status);
    if (digest) this.digest = digest[1];
    const pushed = /digest: (sha256:[a-f0-9]{64}) size:/.exec(status);
    if (pushed) this.digest = pushed[1];
    if (/^Status: Image is up to date/.test(status)) this.upToDate = true;
    this.emit({ kind: 'status', message: status, overall: this.overall() });
  }

  private layer(id: string, status: string, detail: JsonMessage['progressDetail']) {
    const phase = phaseOf(status);
    let l = this.layers.get(id);
    const isNew = !l;
    if (!l) {
      l = { id, status, phase, transferred: 0, lastEmit: 0, dirty: false };
      this.layers.set(id, l);
    }
    const changed = isNew || l.phase !== phase || l.status !== status;
    l.status = status;
    l.phase = phase;
    const current = detail?.current;
    const total = detail?.total && detail.total > 0 ? detail.total : undefined;
    if (phase === 'downloading' || phase === 'uploading') {
      if (total !== undefined) l.transferTotal = total;
      if (current !== undefined) l.transferred = current;
      l.current = current;
      l.total = total ?? l.transferTotal;
    } else if (phase === 'extracting') {
      l.transferred = l.transferTotal ?? l.transferred;
      l.current = current;
      l.total = total;
    } else {
      if (phase === 'verifying' || phase === 'done') l.transferred = l.transferTotal ?? l.transferred;
      l.current = undefined;
      l.total = undefined;
    }
    const t = this.now();
    // Byte updates within the same phase are coalesced; phase changes always go out.
    if (!changed && t - l.lastEmit < COALESCE_MS) {
      l.dirty = true;
      return;
    }
    l.lastEmit = t;
    l.dirty = false;
    this.emit({ kind: 'layer', layer: this.view(l), overall: this.overall() });
  }

  private view(l: LayerState): LayerProgress {
    const out: LayerProgress = { id: l.id, status: l.status, phase: l.phase };
    if (l.current !== undefined) out.current = l.current;
    if (l.total !== undefined) out.total = l.total;
    return out;
  }

  /** Sends the last state of every layer whose final byte update was coalesced away. */
  flush(): void {
    for (const l of this.layers.values()) {
      if (!l.dirty) continue;
      l.dirty = false;
      this.emit({ kind: 'layer', layer: this.view(l), overall: this.overall() });
    }
  }
}

/** Splits a stream of newline-separated JSON into messages (ignores blank and unparsable lines). */
export async function* jsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<JsonMessage> {
  let buffered = '';
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) {
        const msg = parse(line);
        if (msg) yield msg;
      }
    }
  }
  const last = buffered.trim();
  if (last) {
    const msg = parse(last);
    if (msg) yield msg;
  }
}

function parse(line: string): JsonMessage | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' ? (v as JsonMessage) : undefined;
  } catch {
    return undefined;
  }
}
