/**
 * Runs OCI containers with crun/runc, each supervised by its own conmon.
 *
 *   const rt = new OciRuntime({ ...(await OciRuntime.detect()), stateRoot, cgroupManager: 'cgroupfs' });
 *   const { pid } = await rt.create(id, bundleDir, { terminal, openStdin, stdinOnce, logPath });
 *   const io = await rt.attach(id, { stdin: true });   // before start, to miss no output
 *   await rt.start(id);
 *   const { exitCode } = await rt.waitExit(id);
 *   await rt.delete(id);
 *
 * Files (`stateRoot` should be on a tmpfs such as /run when possible; nothing there is precious):
 *   <stateRoot>/runtime/           the runtime's `--root` (its own state)
 *   <stateRoot>/exits/<id>         conmon's exit file: the exit code (128+signal when killed)
 *   <stateRoot>/ctr/<id>/          conmon's persist dir: `exit`, `oom` (present when OOM-killed),
 *                                  `pidfile`, `conmon.json` (our record: conmon pid, bundle, …)
 *   <stateRoot>/ctr/<id>/x/<exec>/ an exec session: process.json, pidfile, `exit`, its attach/ctl
 *   <bundle>/attach, ctl, winsz    conmon's attach socket (SOCK_SEQPACKET), control and resize FIFOs
 *
 * conmon is spawned detached (own session, stdio on /dev/null), so containers survive the engine
 * being killed; a new OciRuntime on the same stateRoot adopts them: waitExit, attach, resize, exec
 * and isSupervised work from the files alone. Only runtime errors are reported as EngineErrors:
 * OciRuntimeError carries docker's wording (`OCI runtime create failed: …: unknown`) and the exit
 * code docker gives such a container (127 when the executable is missing).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, watch } from 'node:fs';
import { basename, join } from 'node:path';
import { ConflictError, EngineError, NotFoundError, SystemError } from '../errors.js';
import { connectAttach, type AttachStream } from './attach.js';
import {
  launchConmon,
  runtimeErrorMessage,
  signalStart,
  spawnConmon,
  startFailureExitCode,
  type ConmonChild,
} from './conmon.js';
import { helperAvailable, prepareHelper, run } from './helper.js';
import { detectRuntime, type DetectedRuntime } from './detect.js';

export type { AttachStream, StdStream } from './attach.js';
import { prepareRelay } from './attach.js';

export interface RuntimeConfig {
  /** crun or runc (or a wrapper around crun: see detect.ts); conmon runs it to create containers. */
  runtimePath: string;
  /** The runtime binary itself when `runtimePath` is a wrapper only `create` needs. */
  directRuntimePath?: string;
  conmonPath: string;
  /** For the attach relay (see attach.ts); default `perl`. */
  perlPath?: string;
  stateRoot: string;
  cgroupManager: 'cgroupfs';
  /**
   * false when containers get no cgroups (rootless without delegation): limits cannot be updated and
   * the freezer is not there to pause with.
   */
  cgroups?: boolean;
}

const NO_CGROUPS =
  'not supported in rootless mode: containers have no cgroups here (that needs cgroup v2 with delegation)';

export interface CreateOptions {
  /** Must match `process.terminal` in the bundle's config.json. */
  terminal: boolean;
  /** Keep a pipe to the container's stdin (docker's OpenStdin). */
  openStdin: boolean;
  /** Close the container's stdin when the attached client closes its stdin (docker's StdinOnce). */
  stdinOnce: boolean;
  /** k8s-file log path; omitted: no log (docker's `none` driver). */
  logPath?: string;
  /** conmon truncates the log when it would pass this many bytes (a backstop; see logs.ts). */
  logMaxSize?: number;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface ExitInfo {
  exitCode: number;
  finishedAt: Date;
  oomKilled: boolean;
}

/** The OCI `process` object (config.json's `process`), as exec takes it. */
export interface OciProcess {
  args: string[];
  env?: string[];
  cwd: string;
  terminal?: boolean;
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  capabilities?: Record<string, string[]>;
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  selinuxLabel?: string;
  consoleSize?: { height: number; width: number };
  [key: string]: unknown;
}

export interface ExecSession {
  execId: string;
  pid: number;
  /** Present when exec'd with `attach: true`: the session's stdio. */
  stream?: AttachStream;
  resize(height: number, width: number): Promise<void>;
  /** Resolves with the exit code (and removes the session's files). */
  wait(): Promise<number>;
}

/** The runtime refused to create/start/exec a process. */
export class OciRuntimeError extends EngineError {
  constructor(
    message: string,
    /** The exit code docker records for a container that failed this way. */
    readonly exitCode: number,
  ) {
    // dockerd answers 400 for a missing or non-executable command, 500 otherwise.
    super(message, exitCode === 127 || exitCode === 126 ? 400 : 500);
  }
}

interface ConmonRecord {
  conmonPid: number;
  bundle: string;
  terminal: boolean;
  logPath?: string;
}

const EXEC_DIR = 'x';

export class OciRuntime {
  private readonly runtimeRoot: string;
  private readonly exitDir: string;
  /** conmon children this process spawned: their exit wakes waiters at once. */
  private readonly children = new Map<string, ConmonChild>();

  constructor(private readonly cfg: RuntimeConfig) {
    this.runtimeRoot = join(cfg.stateRoot, 'runtime');
    this.exitDir = join(cfg.stateRoot, 'exits');
  }

  static detect(): Promise<DetectedRuntime> {
    return detectRuntime();
  }

  private ctrDir(id: string): string {
    return join(this.cfg.stateRoot, 'ctr', id);
  }

  private async record(id: string): Promise<ConmonRecord | undefined> {
    try {
      return JSON.parse(await fsp.readFile(join(this.ctrDir(id), 'conmon.json'), 'utf8')) as ConmonRecord;
    } catch {
      return undefined;
    }
  }

  private async mustRecord(id: string): Promise<ConmonRecord> {
    const r = await this.record(id);
    if (!r) throw new NotFoundError(`No such container: ${id}`);
    return r;
  }

  private runtimeArgs(): string[] {
    return ['--root', this.runtimeRoot];
  }

  /** The runtime for every verb but `create`. */
  private get directRuntime(): string {
    return this.cfg.directRuntimePath ?? this.cfg.runtimePath;
  }

  /** Runs the runtime CLI; rejects with its error message. */
  private async runtime(args: string[]): Promise<string> {
    if (helperAvailable()) {
      const res = await run([this.directRuntime, ...this.runtimeArgs(), ...args]).catch(() => undefined);
      if (res) {
        if (res.code === 0) return res.stdout;
        const why = res.code === null ? `killed by ${res.signal ?? 'a signal'}` : `exit status ${res.code}`;
        throw new Error(runtimeErrorMessage(res.stderr || why));
      }
      // the helper itself failed: spawn it here
    }
    return new Promise((resolve, reject) => {
      execFile(
        this.directRuntime,
        [...this.runtimeArgs(), ...args],
        { maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(runtimeErrorMessage(String(stderr) || err.message)));
          else resolve(String(stdout));
        },
      );
    });
  }

  private conmonCommon(
    id: string,
    cuuid: string,
    bundle: string,
    persist: string,
    runtimePath = this.cfg.runtimePath,
  ): string[] {
    const args = ['--api-version', '1', '-c', id, '-u', cuuid, '-n', id, '-r', runtimePath];
    args.push('-b', bundle, '-p', join(persist, 'pidfile'), '--persist-dir', persist, '--full-attach');
    args.push('--log-level', 'error');
    for (const a of this.runtimeArgs()) args.push('--runtime-arg', a);
    return args;
  }

  /** Gets ready for a container about to start (its attach relay), off the start's critical path. */
  prepare(): void {
    prepareRelay(this.cfg.perlPath ?? 'perl');
    prepareHelper();
  }

  /** Creates (does not start) the container in `bundle`; conmon supervises it from now on. */
  async create(id: string, bundle: string, opts: CreateOptions): Promise<{ pid: number; conmonPid: number }> {
    // An attach usually follows at once (`docker run`): have its relay starting meanwhile.
    prepareRelay(this.cfg.perlPath ?? 'perl');
    const dir = this.ctrDir(id);
    await fsp.rm(dir, { recursive: true, force: true });
    await Promise.all([
      fsp.mkdir(dir, { recursive: true }),
      fsp.mkdir(this.exitDir, { recursive: true }),
      fsp.mkdir(this.runtimeRoot, { recursive: true }),
      fsp.rm(join(this.exitDir, id), { force: true }),
    ]);
    const args = this.conmonCommon(id, id, bundle, dir);
    args.push('--exit-dir', this.exitDir);
    if (opts.logPath) args.push('-l', `k8s-file:${opts.logPath}`);
    else args.push('-l', 'none');
    if (opts.logPath && opts.logMaxSize && opts.logMaxSize > 0)
      args.push('--log-size-max', String(opts.logMaxSize));
    if (opts.terminal) args.push('-t');
    if (opts.openStdin) args.push('-i');
    if (opts.openStdin && !opts.stdinOnce) args.push('--leave-stdin-open');

    const conmon = helperAvailable()
      ? await launchConmon(this.cfg.conmonPath, args, { cwd: dir }).catch(() =>
          spawnConmon(this.cfg.conmonPath, args, { cwd: dir }),
        )
      : spawnConmon(this.cfg.conmonPath, args, { cwd: dir });
    const msg = await conmon.sync.next();
    if (!msg || msg.data < 0) {
      conmon.release();
      await this.cleanupFailed(id, bundle);
      const raw = msg?.message ?? (conmon.stderr().trim() || 'conmon exited without a report');
      const text = runtimeErrorMessage(raw);
      throw new OciRuntimeError(`OCI runtime create failed: ${text}: unknown`, startFailureExitCode(text));
    }
    const conmonPid = conmon.child.pid!;
    const rec: ConmonRecord = { conmonPid, bundle, terminal: opts.terminal, logPath: opts.logPath };
    // Not fsynced: a killed engine finds the old or the new file, and after an OS crash the
    // container it describes is gone anyway.
    await writeAtomic(join(dir, 'conmon.json'), JSON.stringify(rec));
    this.children.set(id, conmon.child);
    conmon.child.once('exit', () => this.children.delete(id));
    conmon.release();
    return { pid: msg.data, conmonPid };
  }

  private async cleanupFailed(id: string, bundle: string): Promise<void> {
    await this.runtime(['delete', '--force', id]).catch(() => undefined);
    await Promise.all([
      fsp.rm(this.ctrDir(id), { recursive: true, force: true }),
      fsp.rm(join(this.exitDir, id), { force: true }),
      ...['attach', 'ctl', 'winsz'].map((f) => fsp.rm(join(bundle, f), { force: true })),
    ]);
  }

  async start(id: string): Promise<void> {
    await this.mustRecord(id);
    if (basename(this.directRuntime) === 'crun' && (await this.releaseExecFifo(id))) return;
    try {
      await this.runtime(['start', id]);
    } catch (e) {
      const text = (e as Error).message;
      throw new OciRuntimeError(`OCI runtime start failed: ${text}: unknown`, startFailureExitCode(text));
    }
  }

  /**
   * What `crun start` does for a created container (libcrun_status_write_exec_fifo): open its
   * exec.fifo for writing, unlink it and write one byte, which lets the container's init, blocked
   * reading the fifo, exec the process; crun then runs poststart hooks (Berth's specs have none).
   * Done here it saves spawning crun on every start. False when the fifo is missing or has no reader
   * (the init is gone): then `crun start` runs and reports the error in its words.
   */
  private async releaseExecFifo(id: string): Promise<boolean> {
    const fifo = join(this.runtimeRoot, id, 'exec.fifo');
    let fh;
    try {
      fh = await fsp.open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      return false;
    }
    try {
      await fsp.unlink(fifo);
      await fh.write(Buffer.alloc(1));
    } finally {
      await fh.close();
    }
    return true;
  }

  /** Sends a signal (name like `SIGTERM`/`TERM`, or number) to the container's init, or all its processes. */
  async kill(id: string, signal: string | number, all = false): Promise<void> {
    const sig = typeof signal === 'number' ? String(signal) : signal.toUpperCase().replace(/^SIG/, '');
    try {
      await this.runtime(['kill', ...(all ? ['--all'] : []), id, sig]);
    } catch (e) {
      throw this.stateError(id, e);
    }
  }

  /** Applies new resource limits to a running container (`docker update`): the OCI `linux.resources` object. */
  async update(id: string, resources: Record<string, unknown>): Promise<void> {
    if (this.cfg.cgroups === false) return; // nothing to apply; the caller warns
    const file = join(this.ctrDir(id), 'resources.json');
    await fsp.writeFile(file, JSON.stringify(resources));
    try {
      await this.runtime(['update', '--resources', file, id]);
    } finally {
      await fsp.rm(file, { force: true });
    }
  }

  async pause(id: string): Promise<void> {
    // dockerd answers 501 (not implemented) for what the host cannot do.
    if (this.cfg.cgroups === false)
      throw new EngineError(`cannot pause container ${id}: pause is ${NO_CGROUPS}`, 501);
    await this.runtime(['pause', id]).catch((e: unknown) => {
      throw this.stateError(id, e);
    });
  }

  async resume(id: string): Promise<void> {
    await this.runtime(['resume', id]).catch((e: unknown) => {
      throw this.stateError(id, e);
    });
  }

  private stateError(id: string, e: unknown): EngineError {
    const text = (e as Error).message;
    if (/does not exist|not found/i.test(text)) return new NotFoundError(`No such container: ${id}`);
    if (/not running|stopped|not paused|paused/i.test(text))
      return new ConflictError(`Container ${id}: ${text}`);
    return new SystemError(text);
  }

  /** The runtime's view of the container, or undefined when it does not know it. */
  async state(id: string): Promise<{ status: ContainerStatus; pid: number } | undefined> {
    try {
      const s = JSON.parse(await this.runtime(['state', id])) as { status: string; pid?: number };
      const status =
        (['created', 'running', 'paused', 'stopped'] as const).find((x) => x === s.status) ?? 'stopped';
      return { status, pid: status === 'stopped' ? 0 : (s.pid ?? 0) };
    } catch {
      return undefined;
    }
  }

  /** Is the conmon supervising `id` alive? (Checks the recorded pid is still that conmon.) */
  async isSupervised(id: string): Promise<boolean> {
    const rec = await this.record(id);
    return rec ? conmonAlive(rec.conmonPid, id) : false;
  }

  /** Reads the exit file if it is there. */
  private async exitInfo(id: string): Promise<ExitInfo | undefined> {
    const file = join(this.exitDir, id);
    try {
      const [text, st] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.stat(file)]);
      const code = Number.parseInt(text.trim(), 10);
      const oomKilled = await fsp.access(join(this.ctrDir(id), 'oom')).then(
        () => true,
        () => false,
      );
      return { exitCode: Number.isNaN(code) || code < 0 ? 255 : code, finishedAt: st.mtime, oomKilled };
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves when the container has exited. Works for containers created by an earlier engine
   * process, and at once for one that already exited. If conmon died without writing an exit code
   * (it was killed), reports 255 as docker does for an unknown exit.
   */
  async waitExit(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    await fsp.mkdir(this.exitDir, { recursive: true });
    for (;;) {
      const info = await this.exitInfo(id);
      if (info) return info;
      if (!(await this.isSupervised(id))) {
        const late = await this.exitInfo(id);
        if (late) return late;
        if (!(await this.record(id))) throw new NotFoundError(`No such container: ${id}`);
        return { exitCode: 255, finishedAt: new Date(), oomKilled: false };
      }
      if (signal?.aborted) throw new Error('aborted');
      await this.exitEvent(id, signal);
    }
  }

  /** Waits for a change in the exits dir, our conmon child exiting, abort, or a poll tick. */
  private exitEvent(id: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        watcher?.close();
        child?.off('exit', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      let watcher: ReturnType<typeof watch> | undefined;
      try {
        watcher = watch(this.exitDir, (_ev, name) => {
          if (!name || name === id) done();
        });
        watcher.on('error', () => undefined);
      } catch {
        // the poll tick covers it
      }
      const child = this.children.get(id);
      child?.once('exit', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Removes the container from the runtime and every file conmon made for it (not the bundle or
   * the log). Without `force` a running container is refused; with it, it is killed first.
   */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const rec = await this.record(id);
    // conmon wrote the exit code: the process is gone, no need to ask the runtime (one exec less).
    const exited = await fsp.access(join(this.exitDir, id)).then(
      () => true,
      () => false,
    );
    const st = exited ? { status: 'stopped' as const, pid: 0 } : await this.state(id);
    if (st && st.status !== 'stopped') {
      if (!opts.force && st.status !== 'created') {
        throw new ConflictError(`cannot remove container ${id}: container is ${st.status}`);
      }
      if (st.status === 'paused') await this.resume(id).catch(() => undefined);
      await this.kill(id, 'KILL', true).catch(() => undefined);
    }
    // Let conmon record the exit and leave before its files are removed.
    if (rec && (await conmonAlive(rec.conmonPid, id))) {
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), 10_000);
      await this.waitExit(id, ac.signal).catch(() => undefined);
      clearTimeout(t);
      // conmon leaves within milliseconds of writing the exit code: poll finely (2 s at most).
      for (let i = 0; i < 1000 && (await conmonAlive(rec.conmonPid, id)); i++) await sleep(2);
    }
    if (st) {
      await this.runtime(['delete', '--force', id]).catch((e: unknown) => {
        if (!/does not exist|not found/i.test((e as Error).message))
          throw new SystemError((e as Error).message);
      });
    }
    await Promise.all([
      fsp.rm(this.ctrDir(id), { recursive: true, force: true }),
      fsp.rm(join(this.exitDir, id), { force: true }),
      ...(rec ? ['attach', 'ctl', 'winsz'].map((f) => fsp.rm(join(rec.bundle, f), { force: true })) : []),
    ]);
  }

  /** Attaches to the container's stdio through conmon's attach socket. */
  async attach(id: string, opts: { stdin: boolean }): Promise<AttachStream> {
    const rec = await this.mustRecord(id);
    const stream = await connectAttach(join(rec.bundle, 'attach'), this.cfg.perlPath);
    if (!opts.stdin) stream.closeStdin = () => undefined; // an output-only client never ends stdin
    return stream;
  }

  /** Resizes the container's terminal (through conmon's `ctl` FIFO). */
  async resize(id: string, height: number, width: number): Promise<void> {
    const rec = await this.mustRecord(id);
    await writeCtl(rec.bundle, `1 ${height} ${width}\n`);
  }

  /** Asks conmon to reopen its log file (after the engine renamed it; see logs.ts rotateLog). */
  async reopenLog(id: string): Promise<void> {
    const rec = await this.mustRecord(id);
    await writeCtl(rec.bundle, '2 0 0\n');
  }

  /** The log path given at create, for an adopted container. */
  async logPath(id: string): Promise<string | undefined> {
    return (await this.record(id))?.logPath;
  }

  /**
   * Runs `process` in the running container under its own conmon (`--exec`). With `attach`, the
   * output is captured from the first byte through `stream`; `stdin` keeps a pipe to its stdin.
   */
  async exec(
    id: string,
    proc: OciProcess,
    opts: { terminal: boolean; stdin: boolean; attach?: boolean },
  ): Promise<ExecSession> {
    await this.mustRecord(id);
    const attach = opts.attach ?? true;
    const execId = randomBytes(6).toString('hex');
    const dir = join(this.ctrDir(id), EXEC_DIR, execId);
    await fsp.mkdir(dir, { recursive: true });
    const spec = join(dir, 'process.json');
    await fsp.writeFile(spec, JSON.stringify({ ...proc, terminal: opts.terminal }));

    const args = this.conmonCommon(id, execId, dir, dir, this.directRuntime);
    args.push('--exec', '--exec-process-spec', spec, '-l', 'none');
    if (opts.terminal) args.push('-t');
    if (opts.stdin) args.push('-i');
    if (attach) args.push('--exec-attach');
    const conmon = spawnConmon(this.cfg.conmonPath, args, {
      cwd: dir,
      startPipe: attach,
      attachPipe: attach,
    });
    const fail = async (raw: string): Promise<never> => {
      conmon.release();
      await fsp.rm(dir, { recursive: true, force: true });
      const text = runtimeErrorMessage(raw);
      throw new OciRuntimeError(`OCI runtime exec failed: ${text}: unknown`, startFailureExitCode(text));
    };

    let stream: AttachStream | undefined;
    if (attach) {
      await signalStart(conmon.start);
      const ready = await conmon.attach!.next();
      if (!ready || ready.data < 0) return fail(ready?.message ?? conmon.stderr());
      try {
        stream = await connectAttach(join(dir, 'attach'), this.cfg.perlPath);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (!opts.stdin) stream.closeStdin = () => undefined;
      await signalStart(conmon.start);
    }
    const started = await conmon.sync.next();
    if (!started || started.data < 0) {
      stream?.close();
      return fail(started?.message ?? (conmon.stderr().trim() || 'conmon exited without a report'));
    }
    conmon.child.unref();
    let result: Promise<number> | undefined;
    const wait = (): Promise<number> =>
      (result ??= (async () => {
        const msg = await conmon.sync.next();
        let code = msg && msg.message === undefined ? msg.data : undefined;
        if (code === undefined) {
          // The pipe is gone (or a timeout message): fall back to conmon's exit file.
          await once(conmon.child, 'exit');
          code = await fsp.readFile(join(dir, 'exit'), 'utf8').then(
            (t) => Number.parseInt(t.trim(), 10),
            () => 255,
          );
        }
        if (stream) await Promise.race([stream.ended, sleep(2000)]);
        conmon.release();
        await fsp.rm(dir, { recursive: true, force: true });
        return Number.isNaN(code) || code < 0 ? 255 : code;
      })());
    return {
      execId,
      pid: started.data,
      stream,
      resize: (h, w) => writeCtl(dir, `1 ${h} ${w}\n`),
      wait,
    };
  }
}

async function conmonAlive(pid: number, id: string): Promise<boolean> {
  try {
    const cmdline = await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8');
    // A zombie has an empty cmdline; a recycled pid has another one.
    return cmdline.includes('conmon') && cmdline.split('\0').includes(id);
  } catch {
    return false;
  }
}

/** Writes one control line to conmon's `ctl` FIFO without ever blocking on a dead conmon. */
async function writeCtl(dir: string, line: string): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ConflictError(`container is not running (no conmon control pipe: ${(e as Error).message})`);
  }
  try {
    await fh.write(line);
  } finally {
    await fh.close();
  }
}

async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, path);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function once(child: ConmonChild, event: 'exit'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once(event, () => resolve()));
}
