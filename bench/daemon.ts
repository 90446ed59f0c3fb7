/**
 * What the benchmark needs from an engine under test, whichever it is: its socket, its main pid
 * (for RSS), the docker CLI pointed at it (timed), and raw API calls over its socket.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_BIN } from '../test/support/engine.js';
import { httpRequest, type HttpResponse } from '../test/support/http.js';
import { spawnTracked } from '../test/support/processes.js';

export interface CliResult {
  code: number;
  /** Empty unless stdout was captured (the default). */
  stdout: string;
  /** Bytes the CLI wrote to stdout (0 when it went straight to /dev/null). */
  stdoutBytes: number;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
}

export interface BenchDaemon {
  name: 'berth' | 'dockerd';
  socket: string;
  dataRoot: string;
  /** The engine's main process (the tree below it is included in RSS). */
  pid: number;
  docker(args: string[], opts?: CliOptions): Promise<CliResult>;
  api(
    method: string,
    path: string,
    opts?: { body?: Buffer | string; headers?: Record<string, string | number>; timeoutMs?: number },
  ): Promise<HttpResponse>;
  stop(): Promise<void>;
}

export interface CliOptions {
  input?: Buffer | string;
  timeoutMs?: number;
  /**
   * 'capture' (default) keeps stdout as a string; 'count' only counts its bytes (large outputs);
   * 'null' sends it straight to /dev/null like a shell redirect, so nothing is read by us.
   */
  stdout?: 'capture' | 'count' | 'null';
}

/** An isolated, empty docker CLI config directory under `dir`. */
export function cliConfigDir(dir: string): string {
  const configDir = join(dir, 'docker-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'config.json'), '{}\n');
  return configDir;
}

/** Runs `docker -H unix://SOCKET ARGS…` with an isolated config and no ambient DOCKER_* settings. */
export function runDocker(
  socket: string,
  configDir: string,
  args: string[],
  opts: CliOptions = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: configDir, DOCKER_CLI_HINTS: 'false' };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const mode = opts.stdout ?? 'capture';
  return new Promise((resolve, reject) => {
    const devNull = mode === 'null' ? openSync('/dev/null', 'w') : undefined;
    const start = process.hrtime.bigint();
    const c = spawnTracked(DOCKER_BIN, ['-H', `unix://${socket}`, ...args], {
      env,
      stdio: ['pipe', devNull ?? 'pipe', 'pipe'],
      pdeathsig: false,
    });
    if (devNull !== undefined) closeSync(devNull);
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    c.stdout?.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      if (mode === 'capture') stdout += d.toString();
    });
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`docker ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ code: code ?? -1, stdout, stdoutBytes, stderr, ms });
    });
    c.stdin!.on('error', () => {});
    c.stdin!.end(opts.input);
  });
}

/** One request to the Engine API over a UNIX socket. */
export function apiRequest(
  socket: string,
  method: string,
  path: string,
  opts: { body?: Buffer | string; headers?: Record<string, string | number>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const headers = { ...opts.headers };
  if (opts.body !== undefined) headers['content-length'] = Buffer.byteLength(opts.body);
  return httpRequest(`http://localhost${path}`, {
    method,
    socketPath: socket,
    body: opts.body,
    headers,
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

/** Throws with the CLI's stderr unless it exited 0. */
export function ok(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}
