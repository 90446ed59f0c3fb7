/**
 * Container logs as conmon writes them, served with docker's semantics.
 *
 * Why k8s-file and not docker's json-file: conmon 2.1.x has exactly four log drivers — `k8s-file`,
 * `journald`, `passthrough` and `none` — and it is the only process alive for the whole life of a
 * container (the engine may be dead). So conmon writes `k8s-file` and the engine turns it into docker's
 * model when read: one line on disk is `<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`, where `P` marks
 * a piece of a longer line (conmon splits at its 8 KiB read buffer and at the end of a read) and `F`
 * the piece that ends with a newline. `readLogs` joins the pieces back into docker's messages and
 * implements follow, tail, since/until, timestamps and the stdout/stderr filters.
 *
 * Size rotation (`max-size`/`max-file`): conmon reopens its log file when told `2 0 0\n` on the
 * container's `ctl` FIFO (REOPEN_LOGS_EVENT; conmon 2.1.6 has no SIGUSR1 reopen). `rotateLog` renames
 * `log` → `log.1` → … and then asks for the reopen: conmon writes to the renamed file until it reopens,
 * so nothing is lost. While the engine is down nobody rotates; conmon's own `--log-size-max` is the
 * backstop (it truncates the file when the next write would pass the limit), so pass a generous one.
 */
import { createReadStream, promises as fsp, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type LogStream = 'stdout' | 'stderr';

/** One line of conmon's k8s-file log. */
export interface K8sLogLine {
  /** The timestamp as written (RFC3339Nano with a numeric offset). */
  rawTime: string;
  time: Date;
  stream: LogStream;
  /** True for a `P` piece: the text continues in the next line of the same stream. */
  partial: boolean;
  /** The text, without the newline conmon added. */
  text: string;
}

/** A docker log message: `line` ends with `\n` unless the container never finished it. */
export interface LogEntry {
  stream: LogStream;
  time: Date;
  /** docker's `--timestamps` form: UTC, nine fraction digits, `Z`. */
  timestamp: string;
  /** The message bytes as docker sends them (with the timestamp prefix when asked). */
  data: Buffer;
  /** `data` decoded as UTF-8. */
  line: string;
}

export interface ReadLogsOptions {
  follow?: boolean;
  /** The last N messages only (after the stream and time filters). Negative or undefined: all. */
  tail?: number;
  since?: Date;
  until?: Date;
  stdout?: boolean;
  stderr?: boolean;
  /** Prefix each line with its timestamp and a space (docker's `--timestamps`). */
  timestamps?: boolean;
  /**
   * Follow only: resolves when the container has exited. Following then drains what is left and ends.
   * Without it, follow ends only through `signal`.
   */
  exited?: Promise<unknown>;
  signal?: AbortSignal;
  /** Follow only: how often to look for new data when no file event arrives (ms). */
  pollMs?: number;
}

const LINE_RE = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s;

/**
 * The parts of a k8s-file line, found by byte search on the raw bytes (the hot path of `docker logs`:
 * no UTF-8 decoding, no Date). `text` keeps the line's own trailing newline when it has one, so a full
 * message is a zero-copy slice of what was read.
 */
interface RawLine {
  rawTime: string;
  stream: LogStream;
  partial: boolean;
  text: Buffer;
}

const SPACE = 0x20;
const F = 0x46;
const P = 0x50;
const STDOUT = Buffer.from('stdout');
const STDERR = Buffer.from('stderr');

function splitLine(line: Buffer): RawLine | undefined {
  const a = line.indexOf(SPACE);
  if (a <= 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b - a !== 7) return undefined;
  // "stdout" / "stderr": compare in place (no slice per line).
  const stream: LogStream | undefined =
    line.compare(STDOUT, 0, 6, a + 1, b) === 0
      ? 'stdout'
      : line.compare(STDERR, 0, 6, a + 1, b) === 0
        ? 'stderr'
        : undefined;
  if (!stream) return undefined;
  const tag = line[b + 1];
  if (tag !== F && tag !== P) return undefined;
  const start = line[b + 2] === SPACE ? b + 3 : b + 2;
  let text = line.subarray(Math.min(start, line.length));
  // A partial piece's text must not carry the newline conmon ended its record with.
  if (tag === P && text.length && text[text.length - 1] === 0x0a) text = text.subarray(0, text.length - 1);
  return { rawTime: line.toString('latin1', 0, a), stream, partial: tag === P, text };
}

const NEWLINE = Buffer.from('\n');

/** Parses one k8s-file line (without its trailing newline); undefined if it is not one. */
export function parseK8sLogLine(line: string): K8sLogLine | undefined {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const time = new Date(m[1]!);
  if (Number.isNaN(time.getTime())) return undefined;
  return { rawTime: m[1]!, time, stream: m[2] as LogStream, partial: m[3] === 'P', text: m[4]! };
}

/** RFC3339Nano with any offset → docker's UTC form `2006-01-02T15:04:05.000000000Z`. */
export function toDockerTimestamp(raw: string): string {
  const frac = /\.(\d+)/.exec(raw)?.[1] ?? '';
  const seconds = Math.floor(new Date(raw).getTime() / 1000);
  const iso = new Date(seconds * 1000).toISOString(); // …T15:04:05.000Z
  return `${iso.slice(0, 19)}.${frac.padEnd(9, '0').slice(0, 9)}Z`;
}

/** The files of a rotated log, oldest first: `path.N` … `path.1`, `path` (gaps allowed). */
export async function logFiles(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  const rotated = names
    .map((n) => (n.startsWith(`${base}.`) ? /^\d+$/.exec(n.slice(base.length + 1)) : null))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[0]))
    .sort((a, b) => b - a)
    .map((n) => join(dir, `${base}.${n}`));
  return [...rotated, path];
}

/**
 * Rotates `path` if it has reached `maxSize` bytes: keeps at most `maxFiles` files in all
 * (`path` plus `maxFiles - 1` old ones), then calls `reopen` so the writer starts a new `path`.
 * Returns whether it rotated. With `maxFiles` ≤ 1 the old content is dropped (docker does the same).
 */
export async function rotateLog(
  path: string,
  limits: { maxSize: number; maxFiles: number },
  reopen: () => Promise<void>,
): Promise<boolean> {
  const size = await fsp.stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size < limits.maxSize) return false;
  const keep = Math.max(1, limits.maxFiles) - 1;
  if (keep === 0) {
    await reopen(); // conmon's reopen truncates: same as docker with max-file=1
    return true;
  }
  await fsp.rm(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    await fsp.rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => undefined);
  }
  await fsp.rename(path, `${path}.1`);
  await reopen();
  return true;
}

/** A log message; its time, timestamp and text are derived only when asked for. */
class Message implements LogEntry {
  constructor(
    readonly stream: LogStream,
    private readonly rawTime: string,
    readonly data: Buffer,
  ) {}

  get time(): Date {
    return new Date(this.rawTime);
  }

  get timestamp(): string {
    return toDockerTimestamp(this.rawTime);
  }

  get line(): string {
    return this.data.toString('utf8');
  }
}

/** Joins `P` pieces per stream and filters; a small state machine shared by the whole read. */
class Assembler {
  private readonly pending = new Map<LogStream, { first: RawLine; parts: Buffer[] }>();
  private readonly since: number | undefined;
  private readonly until: number | undefined;

  constructor(private readonly opts: ReadLogsOptions) {
    this.since = opts.since?.getTime();
    this.until = opts.until?.getTime();
  }

  /** Feeds one raw line; returns a finished message or undefined. */
  push(raw: Buffer): LogEntry | undefined {
    const l = splitLine(raw);
    if (!l) return undefined;
    const prev = this.pending.get(l.stream);
    if (l.partial) {
      if (prev) prev.parts.push(l.text);
      else this.pending.set(l.stream, { first: l, parts: [l.text] });
      return undefined;
    }
    // A full record read with its newline is the message as it is; one cut at EOF gets its newline.
    const text =
      l.text.length && l.text[l.text.length - 1] === 0x0a ? l.text : Buffer.concat([l.text, NEWLINE]);
    if (!prev) return this.accept(l, text);
    this.pending.delete(l.stream);
    return this.accept(prev.first, Buffer.concat([...prev.parts, text]));
  }

  /** Messages the container never finished (flushed at the end of a non-follow read). */
  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const { first, parts } of this.pending.values()) {
      const e = this.accept(first, Buffer.concat(parts));
      if (e) out.push(e);
    }
    this.pending.clear();
    return out;
  }

  private accept(first: RawLine, data: Buffer): LogEntry | undefined {
    const { stdout = true, stderr = true } = this.opts;
    if (first.stream === 'stdout' ? !stdout : !stderr) return undefined;
    // Dates are parsed only when a filter needs them: most reads have none.
    if (this.since !== undefined || this.until !== undefined) {
      const t = Date.parse(first.rawTime);
      if (Number.isNaN(t)) return undefined;
      if (this.since !== undefined && t < this.since) return undefined;
      if (this.until !== undefined && t > this.until) return undefined;
    }
    const rawTime = first.rawTime;
    if (this.opts.timestamps) data = Buffer.concat([Buffer.from(`${toDockerTimestamp(rawTime)} `), data]);
    return new Message(first.stream, rawTime, data);
  }
}

/** The lines of a file as byte slices, each with its newline (the last one may lack it), per chunk read. */
async function* linesOf(path: string): AsyncGenerator<Buffer[]> {
  let stream;
  try {
    await fsp.access(path);
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
  } catch {
    return;
  }
  let carry: Buffer | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      yield splitLines(carry ? Buffer.concat([carry, chunk]) : chunk, (rest) => (carry = rest));
    }
    if (carry?.length) yield [carry];
  } finally {
    stream.destroy();
  }
}

/** Splits `buf` at newlines (kept), handing the unfinished tail to `rest`. Split on \n only: a TTY's \r stays. */
function splitLines(buf: Buffer, rest: (tail: Buffer | undefined) => void): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
    out.push(buf.subarray(start, i + 1));
    start = i + 1;
  }
  rest(start < buf.length ? buf.subarray(start) : undefined);
  return out;
}

/**
 * Reads a container's log (one path, or the rotated set oldest first) with docker's semantics, in
 * batches (one per chunk read: per-message async iteration would cost more than the parsing).
 * With `follow`, keeps reading the last file as it grows (surviving a rotation) until `exited`
 * resolves and everything written is read, or `signal` aborts.
 */
export async function* readLogBatches(
  paths: string | string[],
  opts: ReadLogsOptions = {},
): AsyncGenerator<LogEntry[]> {
  const files = typeof paths === 'string' ? await logFiles(paths) : paths;
  const asm = new Assembler(opts);
  const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;
  // With a tail, messages collect in a ring and only the last `tail` go out.
  const ring: LogEntry[] = [];
  const take = (lines: Buffer[]): LogEntry[] => {
    const batch: LogEntry[] = [];
    for (const raw of lines) {
      const e = asm.push(raw);
      if (!e) continue;
      if (tail === undefined) batch.push(e);
      else if (tail > 0) {
        ring.push(e);
        if (ring.length > tail * 2) ring.splice(0, ring.length - tail);
      }
    }
    return batch;
  };

  if (!opts.follow) {
    for (const f of files) {
      for await (const lines of linesOf(f)) {
        if (opts.signal?.aborted) return;
        const batch = take(lines);
        if (batch.length) yield batch;
      }
    }
    const rest = asm.flush();
    if (tail === undefined) {
      if (rest.length) yield rest;
    } else if (tail > 0) {
      ring.push(...rest);
      yield ring.slice(Math.max(0, ring.length - tail));
    }
    return;
  }

  // Follow: the older files are complete; the last one is read by offset as it grows.
  const current = files[files.length - 1]!;
  for (const f of files.slice(0, -1)) {
    for await (const lines of linesOf(f)) {
      const batch = take(lines);
      if (batch.length) yield batch;
    }
  }
  const follower = new FileFollower(current, opts);
  try {
    // First pass over what the current file holds now; then the tail of everything read so far.
    for (;;) {
      const lines = await follower.readAvailable();
      if (lines.length === 0) break;
      const batch = take(lines);
      if (batch.length) yield batch;
    }
    if (tail !== undefined && tail > 0) {
      const last = ring.slice(Math.max(0, ring.length - tail));
      if (last.length) yield last;
    }
    ring.length = 0;
    for (;;) {
      const { lines, done } = await follower.next();
      const batch: LogEntry[] = [];
      for (const raw of lines) {
        const e = asm.push(raw);
        if (e) batch.push(e);
      }
      if (batch.length) yield batch;
      if (done) break;
    }
    const rest = asm.flush();
    if (rest.length) yield rest;
  } finally {
    follower.close();
  }
}

/** `readLogBatches`, one message at a time. */
export async function* readLogs(
  paths: string | string[],
  opts: ReadLogsOptions = {},
): AsyncGenerator<LogEntry> {
  for await (const batch of readLogBatches(paths, opts)) yield* batch;
}

/** Reads complete lines appended to a file, following it across renames (rotation). */
class FileFollower {
  private fd: fsp.FileHandle | undefined;
  private ino = 0;
  private offset = 0;
  private carry: Buffer | undefined;
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private exited = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly opts: ReadLogsOptions,
  ) {
    opts.exited?.then(
      () => this.poke(true),
      () => this.poke(true),
    );
    opts.signal?.addEventListener('abort', () => this.poke(false), { once: true });
  }

  private poke(exited: boolean): void {
    if (exited) this.exited = true;
    this.wake?.();
  }

  /** Makes `file` (default: the log path) the one being read, from its start. */
  private async open(file = this.path): Promise<boolean> {
    try {
      const fd = await fsp.open(file, 'r');
      const st = await fd.stat();
      await this.fd?.close();
      this.fd = fd;
      this.ino = st.ino;
      this.offset = 0;
      if (!this.watcher) {
        // Watch the directory: a file watch would stay on the old inode after a rotation.
        const base = basename(this.path);
        try {
          this.watcher = watch(dirname(this.path), (_ev, name) => {
            if (!name || name.startsWith(base)) this.poke(false);
          });
          this.watcher.on('error', () => undefined);
        } catch {
          // polling still works
        }
      }
      return true;
    } catch {
      return false;
    }
  }

  /**
   * All complete lines available now. After a rotation, finishes the file it was reading (now
   * `path.N`), then moves to the next newer file, and so on up to the new `path`.
   */
  async readAvailable(): Promise<Buffer[]> {
    if (!this.fd && !(await this.open())) return [];
    const out: Buffer[] = [];
    for (;;) {
      out.push(...(await this.drainFd()));
      const st = await fsp.stat(this.path).catch(() => undefined);
      if (!st || (st.ino === this.ino && st.size >= this.offset)) return out;
      if (st.ino === this.ino) {
        // Truncated in place (conmon's --log-size-max): start over.
        this.flushCarry(out);
        if (!(await this.open())) return out;
        continue;
      }
      const next = await this.successor();
      if (!next) return out; // mid-rotation: look again on the next round
      this.flushCarry(out);
      if (!(await this.open(next))) return out;
    }
  }

  private flushCarry(out: Buffer[]): void {
    if (this.carry?.length) out.push(this.carry); // conmon ends every record with \n; a torn one is kept
    this.carry = undefined;
  }

  /** The file rotated in right after the one being read (the log path itself when none is between). */
  private async successor(): Promise<string | undefined> {
    const chain = await logFiles(this.path);
    const inodes = await Promise.all(
      chain.map((f) =>
        fsp.stat(f).then(
          (s) => s.ino,
          () => -1,
        ),
      ),
    );
    const at = inodes.indexOf(this.ino);
    // Ours gone from the listing (deleted past max-file, or listed mid-rename): go to the newest.
    const i = at >= 0 ? at + 1 : chain.length - 1;
    return inodes[i]! >= 0 ? chain[i] : undefined;
  }

  private async drainFd(): Promise<Buffer[]> {
    const out: Buffer[] = [];
    // At most a few MiB per call, so following a huge log never holds it all in memory.
    for (let total = 0; total < 4 << 20;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await this.fd!.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      total += bytesRead;
      this.offset += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      out.push(
        ...splitLines(this.carry ? Buffer.concat([this.carry, chunk]) : chunk, (rest) => (this.carry = rest)),
      );
    }
    return out;
  }

  /** Waits for new lines; `done` once the container exited (or abort) and the file is drained. */
  async next(): Promise<{ lines: Buffer[]; done: boolean }> {
    for (;;) {
      if (this.opts.signal?.aborted) return { lines: [], done: true };
      const wasExited = this.exited;
      const lines = await this.readAvailable();
      if (lines.length) return { lines, done: false };
      if (wasExited) return { lines: [], done: true };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.opts.pollMs ?? 250);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
    }
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
    void this.fd?.close().catch(() => undefined);
    this.fd = undefined;
  }
}
