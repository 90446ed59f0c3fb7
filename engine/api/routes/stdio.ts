import type { ServerResponse } from 'node:http';
import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { boolParam, readJSON, sendEmpty, sendJSON, versionAtLeast, type RequestContext } from '../http.js';
import { frame, stdioConnection, type StdioConnection } from '../hijack.js';
import { ConflictError, InvalidArgumentError } from '../../errors.js';
import { readLogBatches, readLogs, type LogEntry } from '../../runtime/logs.js';
import type { AttachStream } from '../../runtime/attach.js';
import { parseTimestamp } from '../../filters.js';
import type { ContainerRecord } from '../../containers/store.js';

/** Parses docker's detach keys (`ctrl-p,ctrl-q`, `a`, `ctrl-@`…) into bytes. */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim().toLowerCase();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) {
      const c = k[5]!;
      out.push(
        c >= 'a' && c <= 'z'
          ? c.charCodeAt(0) - 96
          : { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 }[c]!,
      );
    } else throw new InvalidArgumentError(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/** Watches stdin for the detach sequence; returns the bytes to forward (those before a match). */
class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}
  scan(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length)
          return { forward: chunk.subarray(0, Math.max(0, i + 1 - this.keys.length)), detach: true };
      } else this.matched = chunk[i] === this.keys[0] ? 1 : 0;
    }
    return { forward: chunk, detach: false };
  }
}

/** Log messages as one buffer: raw for a TTY, each in its stdcopy frame otherwise. */
function encodeMessages(batch: LogEntry[], tty: boolean): Buffer {
  if (tty) return Buffer.concat(batch.map((e) => e.data));
  let size = 0;
  for (const e of batch) size += 8 + e.data.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const e of batch) {
    out[at] = e.stream === 'stdout' ? 1 : 2;
    out.fill(0, at + 1, at + 4);
    out.writeUInt32BE(e.data.length, at + 4);
    e.data.copy(out, at + 8);
    at += 8 + e.data.length;
  }
  return out;
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes one output chunk: raw for a TTY, stdcopy-framed otherwise. */
function writer(conn: StdioConnection, tty: boolean) {
  return (stream: 'stdout' | 'stderr', chunk: Buffer) =>
    conn.write(tty ? chunk : frame(stream === 'stdout' ? 1 : 2, chunk));
}

/** Wires a runtime stdio stream to a client connection: output out, stdin in, detach keys, half-close. */
function pipeStdio(
  conn: StdioConnection,
  stream: AttachStream,
  opts: {
    tty: boolean;
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
    detachKeys: Buffer;
    onDetach?: () => void;
    /** Keep the connection open until this settles too (an exec's recorded exit code). */
    endAfter?: Promise<unknown>;
  },
): Promise<void> {
  const write = writer(conn, opts.tty);
  stream.on('data', (s, chunk) => {
    if ((s === 'stdout' && opts.stdout) || (s === 'stderr' && opts.stderr)) write(s, chunk);
  });
  stream.on('error', () => undefined);
  if (opts.stdin) {
    const scanner = new DetachScanner(opts.detachKeys);
    conn.onInput((chunk) => {
      const { forward, detach } = scanner.scan(chunk);
      if (forward.length) void stream.write(forward).catch(() => undefined);
      if (detach) {
        opts.onDetach?.();
        stream.close();
        conn.end();
      }
    });
    conn.onInputEnd(() => stream.closeStdin());
  }
  conn.onClose(() => stream.close());
  const after = () => opts.endAfter;
  return stream.ended.then(after, after).then(
    () => conn.end(),
    () => conn.end(),
  );
}

export function stdioRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;

  const kindFor = (ctx: RequestContext, tty: boolean) =>
    tty || !versionAtLeast(ctx, '1.42') ? 'raw' : 'multiplexed';

  router.post('/containers/([^/]+)/attach', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const q = ctx.query;
    const opts = {
      stream: boolParam(q, 'stream'),
      logs: boolParam(q, 'logs'),
      stdin: boolParam(q, 'stdin'),
      stdout: boolParam(q, 'stdout'),
      stderr: boolParam(q, 'stderr'),
    };
    const detachKeys = parseDetachKeys(q.get('detachKeys') || 'ctrl-p,ctrl-q');
    if (rec.state.paused)
      throw new ConflictError(`You cannot attach to a paused container, unpause it first`);
    const tty = Boolean(rec.config.Tty);
    const conn = stdioConnection(ctx, kindFor(ctx, tty));
    if (opts.logs) await replayLogs(engine, rec, conn, { tty, stdout: opts.stdout, stderr: opts.stderr });
    if (!opts.stream) return conn.end();
    containers.emit(rec, 'attach');
    const connect = async () => {
      const stream = await engine.runtime.attach(rec.id, {
        stdin: opts.stdin && Boolean(rec.config.OpenStdin),
      });
      void pipeStdio(conn, stream, {
        tty,
        stdin: opts.stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
        detachKeys,
        onDetach: () => containers.emit(rec, 'detach'),
      });
    };
    const current = containers.resolve(rec.id);
    if (current.state.running && !current.state.restarting) {
      await connect().catch(() => conn.end());
    } else if (!current.state.startedAt || current.state.restarting) {
      // `docker run`: attached before start; connect when the process is about to run.
      const cancel = containers.onNextStart(rec.id, connect);
      conn.onClose(cancel);
    } else {
      conn.end();
    }
  });

  router.post('/containers/([^/]+)/resize', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const h = Number(ctx.query.get('h'));
    const w = Number(ctx.query.get('w'));
    if (!Number.isInteger(h) || !Number.isInteger(w) || h < 0 || w < 0)
      throw new InvalidArgumentError('invalid h or w');
    if (!rec.state.running) throw new ConflictError(`Container ${rec.id} is not running`);
    await engine.runtime.resize(rec.id, h, w).catch(() => undefined);
    sendEmpty(ctx.res, 200);
  });

  router.get('/containers/([^/]+)/logs', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const q = ctx.query;
    const stdout = boolParam(q, 'stdout');
    const stderr = boolParam(q, 'stderr');
    if (!stdout && !stderr) throw new InvalidArgumentError('You must choose at least one stream');
    const tty = Boolean(rec.config.Tty);
    const tail = q.get('tail');
    const since = q.get('since');
    const until = q.get('until');
    const controller = new AbortController();
    ctx.res.on('close', () => controller.abort());
    ctx.res.writeHead(200, {
      'Content-Type':
        tty || !versionAtLeast(ctx, '1.42')
          ? 'application/vnd.docker.raw-stream'
          : 'application/vnd.docker.multiplexed-stream',
    });
    ctx.res.flushHeaders();
    const follow = boolParam(q, 'follow') && containers.resolve(rec.id).state.running;
    const batches = readLogBatches(containers.logPath(rec), {
      follow,
      tail: tail && tail !== 'all' ? Number(tail) : undefined,
      since: since && since !== '0' ? new Date(parseTimestamp(since)) : undefined,
      until: until && until !== '0' ? new Date(parseTimestamp(until)) : undefined,
      stdout,
      stderr,
      timestamps: boolParam(q, 'timestamps'),
      exited: follow
        ? containers.wait(rec.id, 'not-running', controller.signal).catch(() => undefined)
        : undefined,
      signal: controller.signal,
    });
    // One write per batch read from the log, waiting for the client: a 100 MB log must not pile up.
    try {
      for await (const batch of batches) {
        if (!ctx.res.write(encodeMessages(batch, tty))) await drained(ctx.res);
      }
    } catch {
      // client went away or the log vanished with the container
    }
    ctx.res.end();
  });

  router.post('/containers/([^/]+)/exec', async (ctx) => {
    const body = await readJSON<Record<string, unknown>>(ctx.req);
    sendJSON(ctx.res, 201, { Id: engine.execs.create(ctx.params[0]!, body) });
  });

  router.post('/exec/([^/]+)/start', async (ctx) => {
    const body =
      (await readJSON<{ Detach?: boolean; Tty?: boolean; ConsoleSize?: [number, number] | null }>(ctx.req)) ??
      {};
    const exec = engine.execs.get(ctx.params[0]!);
    const detach = Boolean(body.Detach);
    const tty = body.Tty ?? exec.config.Tty;
    if (detach) {
      await engine.execs.start(exec.id, { detach, tty });
      sendEmpty(ctx.res, 200);
      return;
    }
    // State conflicts answer before the hijack; once hijacked, a failure to run the process is
    // written into the stream (as dockerd does) and its exit code (126/127) is in exec inspect.
    if (exec.running || exec.exitCode !== null)
      throw new ConflictError(`Error: Exec command ${exec.id} has already run`);
    const target = containers.resolve(exec.containerId);
    if (!target.state.running) throw new ConflictError(`container ${target.id} is not running`);
    const conn = stdioConnection(ctx, kindFor(ctx, tty));
    let done: Promise<number>;
    try {
      const consoleSize = Array.isArray(body.ConsoleSize) ? body.ConsoleSize : undefined;
      ({ done } = await engine.execs.start(exec.id, { detach, tty, consoleSize }));
    } catch (err) {
      writer(conn, tty)('stdout', Buffer.from(`${(err as Error).message}\r\n`));
      conn.end();
      return;
    }
    const stream = exec.session?.stream;
    if (!stream) return conn.end();
    await pipeStdio(conn, stream, {
      tty,
      stdin: exec.config.AttachStdin,
      stdout: true,
      stderr: true,
      detachKeys: parseDetachKeys(exec.config.DetachKeys || 'ctrl-p,ctrl-q'),
      // The CLI reads the exit code from exec inspect as soon as the stream ends: record it first.
      endAfter: done,
    });
    await done;
  });

  router.post('/exec/([^/]+)/resize', async (ctx) => {
    const h = Number(ctx.query.get('h'));
    const w = Number(ctx.query.get('w'));
    await engine.execs.resize(ctx.params[0]!, h, w);
    sendEmpty(ctx.res, 200);
  });

  router.get('/exec/([^/]+)/json', (ctx) => sendJSON(ctx.res, 200, engine.execs.inspect(ctx.params[0]!)));
}

async function replayLogs(
  engine: Engine,
  rec: ContainerRecord,
  conn: StdioConnection,
  opts: { tty: boolean; stdout: boolean; stderr: boolean },
): Promise<void> {
  const write = writer(conn, opts.tty);
  try {
    for await (const e of readLogs(engine.containers.logPath(rec), {
      stdout: opts.stdout,
      stderr: opts.stderr,
    })) {
      write(e.stream, e.data);
    }
  } catch {
    // no log yet
  }
}
