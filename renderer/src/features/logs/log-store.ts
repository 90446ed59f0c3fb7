// A container's log held in the renderer: lines packed into chunks of one string each (lines joined
// by '\n') with an offset table, so a million lines cost about their text plus 4 bytes a line — not a
// million strings and DOM nodes. Lines have absolute numbers that never shift, so search results
// and positions survive clearing and the dropping of the oldest lines past the limits.
import type { LogsLines } from '../../bridge/contract';
import { timestampLength, timestampOf } from './timestamps';

export interface LogChunk {
  /** Absolute number of the first line. */
  first: number;
  count: number;
  text: string;
  /** Start offset of each line in `text`, plus `text.length + 1` at [count]. */
  starts: Int32Array;
  /** 1 for a stderr line; null when the chunk has none. */
  stderr: Uint8Array | null;
}

export interface LogLimits {
  maxLines: number;
  maxChars: number;
}

export const DEFAULT_LIMITS: LogLimits = { maxLines: 2_000_000, maxChars: 400 * 1024 * 1024 };

/** Small batches (a following log) are merged into the last chunk up to these sizes. */
const MERGE_LINES = 2048;
const MERGE_CHARS = 128 * 1024;

function lineStarts(text: string, count: number): Int32Array {
  const starts = new Int32Array(count + 1);
  let at = 0;
  for (let i = 1; i < count; i++) {
    at = text.indexOf('\n', at) + 1;
    starts[i] = at;
  }
  starts[count] = text.length + 1;
  return starts;
}

export class LogStore {
  chunks: LogChunk[] = [];
  /** Absolute number of the first line held. */
  base = 0;
  /** Absolute number after the last line. */
  end = 0;
  /** Lines dropped because of the limits (not by clear()). */
  dropped = 0;
  chars = 0;
  /** Where a stream that stopped can resume: the last timestamp seen and how many lines carried it. */
  resumePoint: { timestamp: string; seen: number } | undefined;

  constructor(private readonly limits: LogLimits = DEFAULT_LIMITS) {}

  get count(): number {
    return this.end - this.base;
  }

  append(batch: Pick<LogsLines, 'text' | 'count' | 'stderr'>): void {
    if (batch.count <= 0) return;
    this.trackResume(batch.text);
    const last = this.chunks.at(-1);
    let flags: Uint8Array | null = null;
    if (batch.stderr?.length) {
      flags = new Uint8Array(batch.count);
      for (let i = 0; i + 1 < batch.stderr.length; i += 2)
        flags.fill(1, batch.stderr[i], batch.stderr[i + 1]);
    }
    if (
      last &&
      last.count < MERGE_LINES &&
      last.text.length < MERGE_CHARS &&
      batch.text.length < MERGE_CHARS
    ) {
      const text = `${last.text}\n${batch.text}`;
      const count = last.count + batch.count;
      // Offsets of the old lines stay; only the new part is scanned.
      const starts = new Int32Array(count + 1);
      starts.set(last.starts.subarray(0, last.count));
      const shift = last.text.length + 1;
      const added = lineStarts(batch.text, batch.count);
      for (let i = 0; i <= batch.count; i++) starts[last.count + i] = added[i]! + shift;
      let stderr: Uint8Array | null = null;
      if (last.stderr || flags) {
        stderr = new Uint8Array(count);
        if (last.stderr) stderr.set(last.stderr);
        if (flags) stderr.set(flags, last.count);
      }
      this.chunks[this.chunks.length - 1] = {
        first: last.first,
        count,
        text,
        starts,
        stderr,
      };
    } else {
      this.chunks.push({
        first: this.end,
        count: batch.count,
        text: batch.text,
        starts: lineStarts(batch.text, batch.count),
        stderr: flags,
      });
    }
    this.end += batch.count;
    this.chars += batch.text.length + 1;
    this.enforceLimits();
  }

  /** Forgets every line held (new lines keep coming, numbered on). */
  clear(): void {
    this.chunks = [];
    this.base = this.end;
    this.chars = 0;
  }

  /** Forgets everything, including where to resume (a new stream starts from scratch). */
  reset(): void {
    this.clear();
    this.dropped = 0;
    this.resumePoint = undefined;
  }

  /** The chunk holding absolute line `n` (which must be held). */
  chunkIndex(n: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid]!.first <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  line(n: number): string {
    const c = this.chunks[this.chunkIndex(n)]!;
    const i = n - c.first;
    return c.text.slice(c.starts[i], c.starts[i + 1]! - 1);
  }

  isStderr(n: number): boolean {
    const c = this.chunks[this.chunkIndex(n)]!;
    return c.stderr !== null && c.stderr[n - c.first] === 1;
  }

  /** Every line held, as text (for copy), with or without timestamps. */
  allText(timestamps: boolean): string {
    if (timestamps) return this.chunks.map((c) => c.text).join('\n');
    const parts: string[] = [];
    for (const c of this.chunks) {
      for (let i = 0; i < c.count; i++) {
        const s = c.starts[i]!;
        parts.push(c.text.slice(s + timestampLength(c.text, s), c.starts[i + 1]! - 1));
      }
    }
    return parts.join('\n');
  }

  private enforceLimits(): void {
    while (
      this.chunks.length > 1 &&
      (this.count > this.limits.maxLines || this.chars > this.limits.maxChars)
    ) {
      const c = this.chunks.shift()!;
      this.base = c.first + c.count;
      this.dropped += c.count;
      this.chars -= c.text.length + 1;
    }
  }

  /** Updates the resume point from the last timestamped lines of a batch. */
  private trackResume(text: string): void {
    let stamp: string | undefined;
    let seen = 0;
    let end = text.length;
    for (;;) {
      const nl = end > 0 ? text.lastIndexOf('\n', end - 1) : -1;
      const start = nl + 1;
      const ts = timestampOf(text.slice(start, Math.min(start + 40, end)));
      if (ts !== undefined) {
        if (stamp === undefined) stamp = ts;
        else if (ts !== stamp) break;
        seen++;
      }
      if (nl < 0) {
        // Every stamped line of the batch carries `stamp`: the count may continue from before.
        if (stamp !== undefined && this.resumePoint?.timestamp === stamp) seen += this.resumePoint.seen;
        break;
      }
      end = nl;
    }
    if (stamp !== undefined) this.resumePoint = { timestamp: stamp, seen };
  }
}
