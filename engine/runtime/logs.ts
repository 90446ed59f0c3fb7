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
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';

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

/** Joins `P` pieces per stream and filters; a small state machine shared by the whole read. */
class Assembler {
  private readonly pending = new Map<LogStream, { first: K8sLogLine; text: string }>();

  constructor(private readonly opts: ReadLogsOptions) {}

  /** Feeds one raw line; returns a finished message or undefined. */
  push(raw: string): LogEntry | undefined {
    const l = parseK8sLogLine(raw);
    if (!l) return undefined;
    const prev = this.pending.get(l.stream);
    if (l.partial) {
      if (prev) prev.text += l.text;
      else this.pending.set(l.stream, { first: l, text: l.text });
      return undefined;
    }
    this.pending.delete(l.stream);
    const first = prev?.first ?? l;
    return this.accept(first, (prev?.text ?? '') + l.text + '\n');
  }

  /** Messages the container never finished (flushed at the end of a non-follow read). */
  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    for (const { first, text } of this.pending.values()) {
      const e = this.accept(first, text);
      if (e) out.push(e);
    }
    this.pending.clear();
    return out;
  }

  private accept(first: K8sLogLine, line: string): LogEntry | undefined {
    const { stdout = true, stderr = true, since, until } = this.opts;
    if (first.stream === 'stdout' ? !stdout : !stderr) return undefined;
    if (since && first.time < since) return undefined;
    if (until && first.time > until) return undefined;
    const timestamp = toDockerTimestamp(first.rawTime);
    return {
      stream: first.stream,
      time: first.time,
      timestamp,
      line: this.opts.timestamps ? `${timestamp} ${line}` : line,
    };
  }
}

async function* linesOf(path: string): AsyncGenerator<string> {
  let stream;
  try {
    await fsp.access(path);
    stream = createReadStream(path, { encoding: 'utf8' });
  } catch {
    return;
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
    stream.destroy();
  }
}

/**
 * Reads a container's log (one path, or the rotated set oldest first) with docker's semantics.
 * With `follow`, keeps reading the last file as it grows (surviving a rotation) until `exited`
 * resolves and everything written is read, or `signal` aborts.
 */
export async function* readLogs(
  paths: string | string[],
  opts: ReadLogsOptions = {},
): AsyncGenerator<LogEntry> {
  const files = typeof paths === 'string' ? await logFiles(paths) : paths;
  const asm = new Assembler(opts);
  const tail = opts.tail !== undefined && opts.tail >= 0 ? opts.tail : undefined;

  if (!opts.follow) {
    const ring: LogEntry[] = [];
    for (const f of files) {
      for await (const raw of linesOf(f)) {
        if (opts.signal?.aborted) return;
        const e = asm.push(raw);
        if (!e) continue;
        if (tail === undefined) yield e;
        else if (tail > 0) {
          ring.push(e);
          if (ring.length > tail) ring.shift();
        }
      }
    }
    const rest = asm.flush();
    if (tail === undefined) yield* rest;
    else {
      ring.push(...rest);
      yield* ring.slice(Math.max(0, ring.length - tail));
    }
    return;
  }

  // Follow: the older files are complete; the last one is read by offset as it grows.
  const current = files[files.length - 1]!;
  const ring: LogEntry[] = [];
  for (const f of files.slice(0, -1)) {
    for await (const raw of linesOf(f)) {
      const e = asm.push(raw);
      if (e) ring.push(e);
    }
  }
  const follower = new FileFollower(current, opts);
  try {
    // First pass over the current file, then apply tail to everything read so far.
    for (const raw of await follower.readAvailable()) {
      const e = asm.push(raw);
      if (e) ring.push(e);
    }
    yield* tail === undefined ? ring : ring.slice(Math.max(0, ring.length - tail));
    ring.length = 0;
    for (;;) {
      const { lines, done } = await follower.next();
      for (const raw of lines) {
        const e = asm.push(raw);
        if (e) yield e;
      }
      if (done) break;
    }
    yield* asm.flush();
  } finally {
    follower.close();
  }
}

/** Reads complete lines appended to a file, following it across renames (rotation). */
class FileFollower {
  private fd: fsp.FileHandle | undefined;
  private ino = 0;
  private offset = 0;
  private carry = '';
  private decoder = new StringDecoder('utf8');
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
      this.decoder = new StringDecoder('utf8');
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
  async readAvailable(): Promise<string[]> {
    if (!this.fd && !(await this.open())) return [];
    const out: string[] = [];
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

  private flushCarry(out: string[]): void {
    if (this.carry) out.push(this.carry); // conmon ends every record with \n; a torn one is kept
    this.carry = '';
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

  private async drainFd(): Promise<string[]> {
    const out: string[] = [];
    const buf = Buffer.alloc(64 * 1024);
    let acc = '';
    for (;;) {
      const { bytesRead } = await this.fd!.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      acc += this.decoder.write(buf.subarray(0, bytesRead));
    }
    if (!acc) return out;
    const parts = (this.carry + acc).split('\n');
    this.carry = parts.pop()!;
    out.push(...parts);
    return out;
  }

  /** Waits for new lines; `done` once the container exited (or abort) and the file is drained. */
  async next(): Promise<{ lines: string[]; done: boolean }> {
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
