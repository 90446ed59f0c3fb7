// Hosting the embedded engine in a separate process, so hashing and untarring never block the app.
// `berth serve` uses a child process (ChildProcessEngineHost); Electron main plugs in a utilityProcess
// (electron/main/utility-engine-host.ts) through the same base class.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { defaultConfigPath } from '../../engine/paths.js';
import { berthLauncher } from './paths.js';

export type EngineState = 'starting' | 'running' | 'stopped' | 'failed' | 'external';

/**
 * The engine this app runs. Events: 'state' (EngineState) whenever the state changes, 'log' (line)
 * for every line the engine writes.
 */
export interface EngineHost extends EventEmitter {
  readonly socket: string;
  /** The data root of the running engine (or of the next start). */
  readonly dataRoot: string;
  /** The data root used when the app settings choose none. */
  readonly defaultDataRoot?: string;
  /** Whether the data location chosen in the app settings is used (not when fixed by --data-root). */
  readonly dataRootSettable?: boolean;
  /** The engine's settings file (dockerd's daemon.json vocabulary). */
  readonly configPath: string;
  /** When the engine last answered after a start (ms since the epoch). */
  readonly startedAt?: number;
  state(): EngineState;
  /** The engine's recent log lines (stdout and stderr), newest last. */
  log(): string[];
  start(): Promise<void>;
  /** Stops the engine process; containers keep running under conmon and are adopted next start. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Removes every container, stops the engine, deletes its data root and starts it empty. */
  resetData(): Promise<void>;
}

export interface EngineHostOptions {
  /** The engine's settings file; default the engine's own default ($XDG_CONFIG_HOME/berth/config.json). */
  configPath?: string;
  /** A data root chosen in the app settings; read at every start, it wins over the constructor's. */
  dataRootOverride?: () => Promise<string | undefined> | string | undefined;
}

/** A running engine process, whatever started it (a child process, an Electron utilityProcess). */
export interface EngineProcess {
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** Called once when the process has ended, with a description of how. */
  onExit(cb: (how: string) => void): void;
  /** Asks for a clean shutdown (SIGTERM). */
  terminate(): void;
  /** Ends it now (SIGKILL). */
  kill(): void;
}

const LOG_LINES = 2000;
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 15_000;

export async function engineAnswers(socket: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const docker = new Docker({ socketPath: socket, timeout: timeoutMs });
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** Start, stop, restart, reset and log keeping for an engine in a separate process. */
export abstract class ProcessEngineHost extends EventEmitter implements EngineHost {
  private proc?: EngineProcess;
  private current: EngineState = 'stopped';
  private readonly lines: string[] = [];
  private root: string;
  readonly configPath: string;
  startedAt?: number;
  /** Serializes start/stop/restart/reset, so two clicks never race. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    readonly socket: string,
    readonly defaultDataRoot: string,
    private readonly opts: EngineHostOptions = {},
  ) {
    super();
    this.root = defaultDataRoot;
    this.configPath = opts.configPath ?? defaultConfigPath();
  }

  /** Starts `berth engine` with these arguments. */
  protected abstract launch(args: string[]): EngineProcess;

  get dataRoot(): string {
    return this.root;
  }

  get dataRootSettable(): boolean {
    return !!this.opts.dataRootOverride;
  }

  state(): EngineState {
    return this.current;
  }

  log(): string[] {
    return [...this.lines];
  }

  private setState(s: EngineState) {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }

  protected record(chunk: string) {
    for (const raw of chunk.split('\n')) {
      const line = raw.trimEnd();
      if (!line) continue;
      this.lines.push(line);
      if (this.lines.length > LOG_LINES) this.lines.shift();
      this.emit('log', line);
    }
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.busy.then(job, job);
    this.busy = run.catch(() => undefined);
    return run;
  }

  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serial(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.serial(async () => {
      if (this.current === 'external')
        throw new Error('this engine was started outside the app; restart it there');
      this.record('restarting the engine');
      await this.doStop();
      await this.doStart();
    });
  }

  resetData(): Promise<void> {
    return this.serial(async () => {
      if (this.current === 'external')
        throw new Error('this engine was started outside the app; reset it there');
      if (this.current === 'running') await this.removeEverything();
      await this.doStop();
      await this.deleteDataRoot();
      await this.doStart();
    });
  }

  private async doStart(): Promise<void> {
    if (this.proc && (this.current === 'running' || this.current === 'starting')) return;
    if (await engineAnswers(this.socket)) {
      // Somebody (a `berth engine` the user runs) already serves this socket: use it as it is.
      this.record(`an engine is already serving unix://${this.socket}; connecting to it`);
      this.setState('external');
      return;
    }
    this.root = (await this.opts.dataRootOverride?.()) || this.defaultDataRoot;
    this.setState('starting');
    this.record(`starting the engine (socket ${this.socket}, data root ${this.root})`);
    const proc = this.launch([
      'engine',
      '--socket',
      this.socket,
      '--data-root',
      this.root,
      '--config',
      this.configPath,
    ]);
    this.proc = proc;
    proc.stdout?.setEncoding('utf8');
    proc.stderr?.setEncoding('utf8');
    proc.stdout?.on('data', (d: string) => this.record(d));
    proc.stderr?.on('data', (d: string) => this.record(d));
    let exited: string | undefined;
    proc.onExit((how) => {
      exited = how;
      this.record(`engine exited (${how})`);
      if (this.proc === proc) {
        this.proc = undefined;
        this.setState(this.current === 'running' || this.current === 'starting' ? 'failed' : 'stopped');
      }
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        this.setState('failed');
        throw new Error(`the engine exited during start-up: ${this.lines.slice(-5).join(' | ')}`);
      }
      if (await engineAnswers(this.socket, 500)) {
        this.startedAt = Date.now();
        this.setState('running');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.setState('failed');
    proc.kill();
    throw new Error(`the engine did not answer on unix://${this.socket} within ${START_TIMEOUT_MS / 1000} s`);
  }

  private async doStop(): Promise<void> {
    const proc = this.proc;
    if (!proc) {
      if (this.current !== 'external') this.setState('stopped');
      return;
    }
    this.proc = undefined;
    this.setState('stopped');
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => proc.kill(), STOP_GRACE_MS);
      proc.onExit(() => {
        clearTimeout(kill);
        resolve();
      });
      proc.terminate();
    });
  }

  /**
   * Before the data root goes: remove every container through the API (force, with anonymous
   * volumes), so no container process, rootfs mount or bind mount keeps it busy or — worse — lets
   * the delete reach through a bind mount into the user's files. User networks go too (their
   * namespaces live outside the data root).
   */
  private async removeEverything(): Promise<void> {
    const docker = new Docker({ socketPath: this.socket, timeout: 60_000 });
    try {
      const containers = await docker.listContainers({ all: true });
      this.record(`removing ${containers.length} container(s) before the reset`);
      for (const c of containers) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch((err: Error) =>
            this.record(`could not remove container ${c.Id.slice(0, 12)}: ${err.message}`),
          );
      }
      const networks = await docker.listNetworks();
      for (const n of networks) {
        if (['bridge', 'host', 'none'].includes(n.Name)) continue;
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch((err: Error) => this.record(`could not remove network ${n.Name}: ${err.message}`));
      }
    } catch (err) {
      this.record(`could not list what to remove: ${(err as Error).message}`);
    }
  }

  private async deleteDataRoot(): Promise<void> {
    const root = this.root;
    let mounts = await mountsUnder(root);
    for (const m of mounts) {
      await promisify(execFile)('umount', ['-l', m]).catch(() => undefined);
    }
    mounts = await mountsUnder(root);
    if (mounts.length) {
      throw new Error(
        `${mounts.length} mount(s) are still active under ${root} (${mounts.slice(0, 3).join(', ')}); ` +
          'not deleting through them. Stop what uses them and try again.',
      );
    }
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    this.record(`data root ${root} deleted`);
  }
}

/** Mount points at or below `dir` in this process's mount namespace, deepest first (Linux). */
export async function mountsUnder(dir: string): Promise<string[]> {
  if (process.platform !== 'linux') return [];
  let info: string;
  try {
    info = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const base = dir.replace(/\/+$/, '');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m)
    .map((m) => m.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === base || m.startsWith(base + '/'))
    .sort((a, b) => b.length - a.length);
}

/** The engine as a child process of this Node process (`berth serve`, tests). */
export class ChildProcessEngineHost extends ProcessEngineHost {
  constructor(
    socket: string,
    dataRoot: string,
    private readonly launcher = berthLauncher(),
    opts: EngineHostOptions = {},
  ) {
    super(socket, dataRoot, opts);
  }

  protected launch(args: string[]): EngineProcess {
    const child = spawn(this.launcher, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let how: string | undefined;
    const waiting: ((how: string) => void)[] = [];
    const done = (h: string) => {
      if (how !== undefined) return;
      how = h;
      for (const cb of waiting.splice(0)) cb(h);
    };
    child.once('exit', (code, signal) => done(signal ?? `code ${code}`));
    child.once('error', (err) => done(`failed to start: ${err.message}`));
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (cb) => (how !== undefined ? cb(how) : waiting.push(cb)),
      terminate: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
    };
  }
}
