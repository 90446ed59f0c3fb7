// Collects lines and sends them as one `lines` event every few milliseconds or every 64 KB, so a
// million-line log travels as a few thousand messages, not a million.
import type { LogsLines } from '../../contract/logs.js';

export const BATCH_MS = 30;
export const BATCH_CHARS = 64 * 1024;

export class LineBatcher {
  private lines: string[] = [];
  private chars = 0;
  /** stderr runs as flattened [start, end) pairs. */
  private runs: number[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (batch: LogsLines) => void,
    private readonly opts: { ms?: number; chars?: number } = {},
  ) {}

  add(line: string, stderr: boolean): void {
    const i = this.lines.length;
    this.lines.push(line);
    this.chars += line.length + 1;
    if (stderr) {
      const n = this.runs.length;
      if (n > 0 && this.runs[n - 1] === i) this.runs[n - 1] = i + 1;
      else this.runs.push(i, i + 1);
    }
    if (this.chars >= (this.opts.chars ?? BATCH_CHARS)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.ms ?? BATCH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const batch: LogsLines = { kind: 'lines', text: this.lines.join('\n'), count: this.lines.length };
    if (this.runs.length) batch.stderr = this.runs;
    this.lines = [];
    this.runs = [];
    this.chars = 0;
    this.send(batch);
  }

  /** Drops what is pending without sending it. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lines = [];
    this.runs = [];
  }
}
