import type { Writable } from 'node:stream';

/** One line of docker's JSON progress stream (jsonmessage.JSONMessage). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  error?: string;
  errorDetail?: { message: string };
  aux?: unknown;
  /** Plain text output (docker load prints "Loaded image: …" this way). */
  stream?: string;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Sizes as docker's go-units HumanSize prints them (decimal units, 3 significant digits). */
export function humanSize(bytes: number): string {
  let i = 0;
  let n = bytes;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(3))}${UNITS[i]}`;
}

/** The `[=====>    ]  1.2MB/3.4MB` bar docker's progress messages carry. */
export function progressBar(current: number, total: number): string {
  const width = 50;
  if (total <= 0) return `${humanSize(current)}`;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '');
  return `[${bar.padEnd(width)}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** The first 12 hex digits of a digest, as docker shows layer IDs. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * Writes progress messages to a response stream, one JSON object per line. Byte progress for the same
 * id is throttled so a fast pull does not flood the client.
 */
export class ProgressWriter {
  private readonly lastProgress = new Map<string, number>();
  private closed = false;

  /** `beforeFirstWrite` lets an HTTP handler send its headers only once there is output. */
  constructor(
    private readonly out: Writable,
    private readonly beforeFirstWrite?: () => void,
    private readonly throttleMs = 100,
  ) {
    out.on('close', () => (this.closed = true));
  }

  /** True once anything was written (an error then has to go into the stream). */
  started = false;

  get isClosed(): boolean {
    return this.closed;
  }

  write(msg: ProgressMessage): void {
    if (this.closed || this.out.writableEnded) return;
    if (!this.started) {
      this.started = true;
      this.beforeFirstWrite?.();
    }
    this.out.write(JSON.stringify(msg) + '\r\n');
  }

  status(status: string, id?: string): void {
    const msg: ProgressMessage = { status };
    if (id !== undefined) {
      msg.progressDetail = {};
      msg.id = id;
    }
    this.write(msg);
  }

  /** A byte-progress update; dropped if another for `id` went out less than throttleMs ago (unless done). */
  progress(status: string, id: string, current: number, total: number): void {
    const now = Date.now();
    const last = this.lastProgress.get(id) ?? 0;
    if (current < total && now - last < this.throttleMs) return;
    this.lastProgress.set(id, now);
    this.write({ status, progressDetail: { current, total }, progress: progressBar(current, total), id });
  }

  error(message: string): void {
    this.write({ errorDetail: { message }, error: message });
  }
}
