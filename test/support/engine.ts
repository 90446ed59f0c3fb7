/**
 * Test harness for `berth engine` and the real docker CLI: starts the engine on a private socket
 * and data root, waits for `GET /_ping` → OK, and drives it with `docker -H unix://…` (isolated
 * DOCKER_CONFIG) or raw HTTP over the socket. Every process started is killed at test-process exit,
 * and stop() also reaps what the engine left behind under its data root (conmon, containers, mounts).
 */
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { httpRequest } from './http.js';
import { spawnTracked, stopProcess, waitExit } from './processes.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BERTH_BIN = join(REPO_ROOT, 'bin/berth.js');
/** The `berth` command as users run it (a shell launcher that sets the engine's memory settings). */
export const BERTH_LAUNCHER = join(REPO_ROOT, 'bin/berth');
export const ENGINE_MAIN = join(REPO_ROOT, 'dist/engine/cli/main.js');
export const DOCKER_BIN = '/usr/local/bin/docker';
const FROM_SOURCE = join(REPO_ROOT, 'test/support/berth-from-source.ts');

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  // Tests index into API JSON freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

export interface TestEngine {
  socket: string;
  dataRoot: string;
  host: string; // unix://…
  configPath: string;
  dockerConfigDir: string;
  docker(
    args: string[],
    opts?: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<DockerResult>;
  request(method: string, path: string, body?: unknown): Promise<EngineResponse>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export interface EngineOptions {
  /** daemon.json-like settings: `registry-mirrors`, `insecure-registries`, `certs-dir`, … */
  config?: object;
  /** Reuse a data root (not removed by stop()); default a fresh temp dir. */
  dataRoot?: string;
  env?: Record<string, string>;
  /** How long to wait for /_ping; default 20 s. */
  startTimeoutMs?: number;
  /**
   * 'dist' runs bin/berth.js (needs `npm run build`); 'source' runs the TypeScript under tsx.
   * Default: $BERTH_TEST_ENGINE if set, else 'dist' when dist/engine/cli/main.js exists, else 'source'.
   */
  mode?: 'dist' | 'source';
  /** Replace the whole command (argv before `engine --socket …`), e.g. a fake engine for self-tests. */
  command?: string[];
}

/** True when the engine can be started from the build output. */
export function engineBuilt(): boolean {
  return existsSync(BERTH_BIN) && existsSync(ENGINE_MAIN);
}

function engineCommand(opts: EngineOptions): string[] {
  if (opts.command) return opts.command;
  const envMode = process.env.BERTH_TEST_ENGINE;
  const mode =
    opts.mode ?? (envMode === 'dist' || envMode === 'source' ? envMode : engineBuilt() ? 'dist' : 'source');
  if (mode === 'dist') {
    if (!engineBuilt()) throw new Error(`${ENGINE_MAIN} not found: run \`npm run build\` first`);
    return [BERTH_LAUNCHER];
  }
  return [process.execPath, '--import', 'tsx', FROM_SOURCE];
}

const liveDataRoots = new Set<string>();
let exitHooked = false;

export async function startEngine(opts: EngineOptions = {}): Promise<TestEngine> {
  const [cmd, ...cmdArgs] = engineCommand(opts);
  // Keep the socket path short: sun_path is limited to 108 bytes.
  const runDir = mkdtempSync(join(tmpdir(), 'berth-eng-'));
  const ownDataRoot = opts.dataRoot === undefined;
  const dataRoot = opts.dataRoot ?? join(runDir, 'data');
  mkdirSync(dataRoot, { recursive: true });
  const socket = join(runDir, 'docker.sock');
  const configPath = join(runDir, 'daemon.json');
  writeFileSync(configPath, JSON.stringify(opts.config ?? {}, null, 2));
  const dockerConfigDir = join(runDir, 'docker-config');
  mkdirSync(dockerConfigDir);
  writeFileSync(join(dockerConfigDir, 'config.json'), '{}\n');

  liveDataRoots.add(dataRoot);
  if (!exitHooked) {
    exitHooked = true;
    // Last resort: reap container processes of engines a test forgot to stop.
    process.on('exit', () => {
      for (const root of liveDataRoots) killUnder(root);
    });
  }

  let output = '';
  let child: ChildProcess | undefined;

  const launch = async () => {
    const c = spawnTracked(
      cmd,
      [...cmdArgs, 'engine', '--socket', socket, '--data-root', dataRoot, '--config', configPath],
      { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exited: string | undefined;
    c.once('exit', (code, sig) => (exited = `engine exited (${code ?? sig}) before answering /_ping`));
    c.once('error', (e) => (exited = `engine failed to start: ${e.message}`));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 20_000);
    for (;;) {
      if (exited) throw new Error(`${exited}\n--- engine output ---\n${output}`);
      try {
        const res = await httpRequest('http://localhost/_ping', { socketPath: socket, timeoutMs: 1000 });
        if (res.status === 200 && res.text() === 'OK') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await stopProcess(c, 'SIGKILL');
        throw new Error(`engine did not answer /_ping within ${opts.startTimeoutMs ?? 20_000} ms\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await launch();
  let stopped = false;

  const engine: TestEngine = {
    socket,
    dataRoot,
    host: `unix://${socket}`,
    configPath,
    dockerConfigDir,

    docker(args, dopts = {}) {
      return runDocker(engine, args, dopts);
    },

    async request(method, path, body) {
      const isRaw = Buffer.isBuffer(body) || typeof body === 'string';
      const payload =
        body === undefined ? undefined : isRaw ? (body as Buffer | string) : JSON.stringify(body);
      const headers: Record<string, string | number> = {};
      if (payload !== undefined) {
        headers['content-type'] = isRaw ? 'application/octet-stream' : 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const res = await httpRequest(`http://localhost${path}`, {
        method,
        socketPath: socket,
        body: payload,
        headers,
      });
      return { status: res.status, headers: res.headers, body: res.body, json: () => res.json() };
    },

    async kill(signal = 'SIGKILL') {
      if (!child) return;
      const c = child;
      c.kill(signal);
      await waitExit(c);
    },

    async restart() {
      if (child && child.exitCode === null && child.signalCode === null)
        await stopProcess(child, 'SIGTERM', 10_000);
      await launch();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await stopProcess(child, 'SIGTERM', 10_000);
      killUnder(dataRoot);
      unmountUnder(dataRoot);
      liveDataRoots.delete(dataRoot);
      if (ownDataRoot) safeRm(dataRoot);
      safeRm(runDir);
    },

    logs: () => output,
  };
  return engine;
}

function runDocker(
  engine: Pick<TestEngine, 'host' | 'dockerConfigDir'>,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number },
): Promise<DockerResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DOCKER_CONFIG: engine.dockerConfigDir,
    DOCKER_CLI_HINTS: 'false',
    DOCKER_HOST: undefined,
    DOCKER_CONTEXT: undefined,
    DOCKER_TLS_VERIFY: undefined,
    DOCKER_CERT_PATH: undefined,
    ...opts.env,
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const c = spawnTracked(DOCKER_BIN, ['-H', engine.host, ...args], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(
        new Error(
          `docker ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
    c.stdin!.on('error', () => {});
    c.stdin!.end(opts.input);
  });
}

/**
 * SIGKILLs (by pid) the processes whose command line or root lives under `dir` — conmon and the
 * runtime reference the data root — together with all their descendants (the containers).
 */
function killUnder(dir: string): void {
  // Refuse vague roots: matching '/tmp' in command lines would hit unrelated processes.
  const depth = resolve(dir).split('/').filter(Boolean).length;
  if (depth < 2 || resolve(dir) === resolve(tmpdir())) return;
  const parent = new Map<number, number>();
  const matched = new Set<number>();
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .map(Number)
      .filter((p) => p !== process.pid);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      let root = '';
      try {
        root = readlinkSync(`/proc/${pid}/root`);
      } catch {
        // not readable
      }
      if (cmdline.includes(dir) || root.startsWith(dir)) matched.add(pid);
    } catch {
      // process vanished
    }
  }
  // Never our own ancestors (the test runner), whatever their arguments say.
  for (let p = process.ppid; p > 1; p = parent.get(p) ?? 0) matched.delete(p);
  const doomed = new Set(matched);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!doomed.has(pid) && doomed.has(ppid)) {
        doomed.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of doomed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Lazily unmounts anything the engine left mounted under `dir` (deepest first). */
function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m): m is string => !!m && (m === dir || m.startsWith(dir + '/')))
      .map((m) => m.replace(/\\040/g, ' '));
  } catch {
    return;
  }
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

function safeRm(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // leftovers in tmp are not worth failing a test over
  }
}
