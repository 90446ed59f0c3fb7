// Hosting the embedded engine in a separate process, so hashing and untarring never block the app.
// `berth serve` uses a child process; Electron main plugs in a utilityProcess with the same interface.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import Docker from 'dockerode';
import { berthLauncher } from './paths.js';

export type EngineState = 'starting' | 'running' | 'stopped' | 'failed' | 'external';

export interface EngineHost extends EventEmitter {
  readonly socket: string;
  readonly dataRoot: string;
  state(): EngineState;
  /** The engine's recent log lines (stderr), newest last. */
  log(): string[];
  start(): Promise<void>;
  /** Stops the engine process; containers keep running under conmon and are adopted next start. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the engine, deletes its data root, starts it empty. */
  resetData(): Promise<void>;
}

const LOG_LINES = 2000;
const START_TIMEOUT_MS = 30_000;

export async function engineAnswers(socket: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const docker = new Docker({ socketPath: socket, timeout: timeoutMs });
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export class ChildProcessEngineHost extends EventEmitter implements EngineHost {
  private child?: ChildProcess;
  private current: EngineState = 'stopped';
  private readonly lines: string[] = [];

  constructor(
    readonly socket: string,
    readonly dataRoot: string,
    private readonly launcher = berthLauncher(),
  ) {
    super();
  }

  state(): EngineState {
    return this.current;
  }

  log(): string[] {
    return [...this.lines];
  }

  private setState(s: EngineState) {
    this.current = s;
    this.emit('state', s);
  }

  private record(chunk: string) {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      this.lines.push(line);
      if (this.lines.length > LOG_LINES) this.lines.shift();
    }
  }

  async start(): Promise<void> {
    if (await engineAnswers(this.socket)) {
      // Somebody (a `berth engine` the user runs) already serves this socket: use it as it is.
      this.record(`an engine is already serving unix://${this.socket}; connecting to it`);
      this.setState('external');
      return;
    }
    this.setState('starting');
    const child = spawn(this.launcher, ['engine', '--socket', this.socket, '--data-root', this.dataRoot], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.record(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.record(d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', (code, signal) => {
      this.record(`engine exited (${signal ?? `code ${code}`})`);
      if (this.child === child) {
        this.child = undefined;
        this.setState(this.current === 'running' || this.current === 'starting' ? 'failed' : 'stopped');
      }
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (await engineAnswers(this.socket, 500)) {
        this.setState('running');
        return;
      }
      const code = await Promise.race([exited, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 100))]);
      if (code !== 'wait') {
        this.setState('failed');
        throw new Error(`the engine exited during start-up: ${this.lines.slice(-5).join(' | ')}`);
      }
    }
    this.setState('failed');
    throw new Error(`the engine did not answer on unix://${this.socket} within ${START_TIMEOUT_MS / 1000} s`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.setState('stopped');
    this.child = undefined;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    if (this.current === 'external')
      throw new Error('this engine was started outside the app; restart it there');
    await this.stop();
    await this.start();
  }

  async resetData(): Promise<void> {
    if (this.current === 'external')
      throw new Error('this engine was started outside the app; reset it there');
    await this.stop();
    await rm(this.dataRoot, { recursive: true, force: true });
    this.record(`data root ${this.dataRoot} deleted`);
    await this.start();
  }
}
