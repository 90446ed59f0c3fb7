// The embedded engine in an Electron utilityProcess (DESIGN.md §1): a Node process Electron starts
// and supervises, so hashing and untarring never block the window. The fork function is passed in
// (utilityProcess.fork in the app, child_process.fork in tests), so this module never imports Electron.
import { join } from 'node:path';
import { projectRoot } from '../backend/paths.js';
import { ProcessEngineHost, type EngineHostOptions, type EngineProcess } from '../backend/engine-host.js';

/** The parts of Electron's UtilityProcess used here. */
export interface UtilityProcessLike {
  readonly pid?: number;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  once(event: 'exit', listener: (code: number) => void): unknown;
}

export interface UtilityForkOptions {
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  stdio: 'pipe';
  serviceName: string;
}

export type ForkUtility = (
  modulePath: string,
  args: string[],
  options: UtilityForkOptions,
) => UtilityProcessLike;

/** Where the utility process starts: the compiled entry next to this module. */
export function engineEntryPath(): string {
  return join(projectRoot(), 'dist', 'electron', 'main', 'engine-entry.js');
}

export const ENGINE_ARGV_ENV = 'BERTH_ENGINE_ARGV';

export class UtilityProcessEngineHost extends ProcessEngineHost {
  constructor(
    socket: string,
    dataRoot: string,
    private readonly fork: ForkUtility,
    opts: EngineHostOptions & { entry?: string } = {},
  ) {
    super(socket, dataRoot, opts);
    this.entry = opts.entry ?? engineEntryPath();
  }

  private readonly entry: string;

  protected launch(args: string[]): EngineProcess {
    const child = this.fork(this.entry, [], {
      // The same memory settings as the `berth` launcher (bin/berth): an idle engine stays small.
      env: {
        ...process.env,
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
        MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '32768',
        MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? '131072',
        [ENGINE_ARGV_ENV]: JSON.stringify(args),
      },
      execArgv: ['--max-semi-space-size=1', '--expose-gc'],
      stdio: 'pipe',
      serviceName: 'Berth engine',
    });
    let how: string | undefined;
    const waiting: ((how: string) => void)[] = [];
    child.once('exit', (code) => {
      how = `code ${code}`;
      for (const cb of waiting.splice(0)) cb(how);
    });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (cb) => (how !== undefined ? cb(how) : waiting.push(cb)),
      // A message rather than a signal: it works the same on every platform.
      terminate: () => {
        try {
          child.postMessage({ type: 'stop' });
        } catch {
          child.kill();
        }
      },
      kill: () => {
        if (child.pid) {
          try {
            process.kill(child.pid, 'SIGKILL');
            return;
          } catch {
            // already gone
          }
        }
        child.kill();
      },
    };
  }
}
