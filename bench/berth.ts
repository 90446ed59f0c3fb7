/**
 * Berth's engine for the benchmark: the real `berth engine` child from the test harness (built
 * dist/ output), on its own temp socket and data root, wrapped as a BenchDaemon.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { BERTH_BIN, startEngine } from '../test/support/engine.js';
import { apiRequest, cliConfigDir, runDocker, type BenchDaemon } from './daemon.js';
import { dirname } from 'node:path';

/** The pid whose command line is `… engine --socket SOCKET …` (setpriv execs, so it is node). */
function enginePid(socket: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('--socket');
      if (argv.includes('engine') && i >= 0 && argv[i + 1] === socket) return Number(entry);
    } catch {
      // vanished
    }
  }
  throw new Error(`cannot find the berth engine process serving ${socket}`);
}

export interface BerthOptions {
  /** Extra environment for the engine (e.g. MALLOC_* tuning experiments). */
  env?: Record<string, string>;
  /** Extra node flags (e.g. `--max-semi-space-size=1`); runs `node FLAGS bin/berth.js engine …`. */
  nodeFlags?: string[];
}

export async function startBerth(opts: BerthOptions = {}): Promise<BenchDaemon> {
  const engine = await startEngine({
    mode: 'dist',
    startTimeoutMs: 30_000,
    env: opts.env,
    command: opts.nodeFlags?.length ? [process.execPath, ...opts.nodeFlags, BERTH_BIN] : undefined,
  });
  const configDir = cliConfigDir(dirname(engine.socket));
  return {
    name: 'berth',
    socket: engine.socket,
    dataRoot: engine.dataRoot,
    pid: enginePid(engine.socket),
    docker: (args, opts) => runDocker(engine.socket, configDir, args, opts),
    api: (method, path, opts) => apiRequest(engine.socket, method, path, opts),
    stop: () => engine.stop(),
  };
}
