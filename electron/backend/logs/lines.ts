// Turns log bytes into lines: one streaming UTF-8 decoder per stream (a character split between two
// reads or frames stays whole), lines cut at '\n' with a trailing '\r' removed (TTY output), and
// optionally ANSI escape sequences stripped.
import type { OutputStream } from './demux.js';

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), and two-byte escapes (ESC + one char).
// eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.includes('\x1b') ? text.replace(ANSI, '') : text;
}

export class LineSplitter {
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  private readonly partial = { stdout: '', stderr: '' };

  constructor(
    private readonly onLine: (line: string, stream: OutputStream) => void,
    private readonly opts: { stripAnsi?: boolean } = {},
  ) {}

  push(stream: OutputStream, bytes: Uint8Array): void {
    const text = this.decoders[stream].decode(bytes, { stream: true });
    if (!text) return;
    const s = this.partial[stream] ? this.partial[stream] + text : text;
    let from = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
      this.line(s.slice(from, nl), stream);
      from = nl + 1;
    }
    this.partial[stream] = from === 0 ? s : s.slice(from);
  }

  /** The stream is over: what is left of unfinished lines comes out as lines. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode();
      this.partial[stream] = '';
      if (rest) this.line(rest, stream);
    }
  }

  private line(raw: string, stream: OutputStream): void {
    let line = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    if (this.opts.stripAnsi) line = stripAnsi(line);
    this.onLine(line, stream);
  }
}

const TS_PREFIX = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

/** Length of the `<timestamp> ` prefix docker adds with timestamps=true, or 0. */
export function timestampPrefixLength(line: string): number {
  // Cheap checks first: this runs for every line of a resumed stream.
  if (line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84) return 0;
  const m = TS_PREFIX.exec(line);
  return m ? m[0].length : 0;
}

/** An RFC 3339 UTC timestamp as [seconds since the epoch, nanoseconds], for exact comparisons. */
export function timestampKey(ts: string): [number, number] | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z/.exec(ts);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}Z`) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return [seconds, Number((m[2] ?? '').padEnd(9, '0'))];
}

export function compareKeys(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
