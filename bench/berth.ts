/**
 * Berth's engine for the benchmark: the real `berth engine` child from the test harness (built
 * dist/ output, via the `bin/berth` launcher), on its own temp socket and data root, wrapped as a
 * BenchDaemon. Optionally run under strace for profiling.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { BERTH_LAUNCHER, BERTH_BIN, startEngine } from '../test/support/engine.js';
import { apiRequest, cliConfigDir, runDocker, type BenchDaemon } from './daemon.js';
import { comm } from './measure.js';

/** The node pid whose command line is `… engine --socket SOCKET …` (not strace or setpriv). */
function enginePid(socket: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const i = argv.indexOf('--socket');
      if (argv.includes('engine') && i >= 0 && argv[i + 1] === socket && comm(Number(entry)) === 'node')
        return Number(entry);
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
  /** Run the engine under `strace ARGS… -o FILE` (arguments before the engine command). */
  strace?: { file: string; args: string[] };
}

export async function startBerth(opts: BerthOptions = {}): Promise<BenchDaemon> {
  let command: string[] | undefined = opts.nodeFlags?.length
    ? [process.execPath, ...opts.nodeFlags, BERTH_BIN]
    : undefined;
  if (opts.strace)
    command = [
      '/usr/bin/strace',
      '-o',
      opts.strace.file,
      ...opts.strace.args,
      ...(command ?? [BERTH_LAUNCHER]),
    ];
  const engine = await startEngine({ mode: 'dist', startTimeoutMs: 30_000, env: opts.env, command });
  const configDir = cliConfigDir(dirname(engine.socket));
  const pid = enginePid(engine.socket);
  return {
    name: 'berth',
    socket: engine.socket,
    dataRoot: engine.dataRoot,
    pid,
    docker: (args, o) => runDocker(engine.socket, configDir, args, o),
    api: (method, path, o) => apiRequest(engine.socket, method, path, o),
    async stop() {
      // Under strace, SIGTERM to the wrapper would only detach strace: stop the engine itself first.
      if (opts.strace) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // gone
        }
        for (let i = 0; i < 100 && comm(pid) !== '?'; i++) await new Promise((r) => setTimeout(r, 100));
      }
      await engine.stop();
    },
  };
}
