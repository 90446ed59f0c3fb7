/**
 * `berth engine` as an ordinary user: re-runs itself as root of the user's rootless namespaces (see
 * runtime/rootless/holder.ts) and stays as a thin parent that forwards signals and the exit status, so
 * whoever started `berth engine` (a shell, systemd, the tests) keeps managing one process.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import { inUserNamespace } from '../runtime/rootless/userns.js';
import {
  HOLDER_ENV,
  enterCommand,
  ensureHolder,
  findRootlessTools,
  stopHolder,
} from '../runtime/rootless/holder.js';
import type { Engine } from '../engine.js';

/** An ordinary user outside any user namespace: the engine must enter one first. */
export function needsUserNamespace(): boolean {
  return process.platform === 'linux' && process.getuid?.() !== 0 && !inUserNamespace();
}

/** The holder's record lives with the runtime state of the data root it serves. */
export function holderStateDir(dataRoot: string): string {
  return join(dataRoot, 'rt');
}

/**
 * Runs this same command (`node [execArgv] script engine …`) inside the rootless namespaces and
 * resolves with its exit status once it ends.
 */
export async function runInUserNamespace(dataRoot: string, argv: readonly string[]): Promise<number> {
  const tools = await findRootlessTools();
  const holder = await ensureHolder(holderStateDir(dataRoot), tools);
  const self = [process.execPath, ...process.execArgv, process.argv[1]!, ...argv];
  let cmd = enterCommand(tools, holder.pid, self);
  // If this parent is SIGKILLed the engine must go too (as if it had been killed itself).
  if (existsSync('/usr/bin/setpriv')) cmd = ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', ...cmd];
  const child = spawn(cmd[0]!, cmd.slice(1), {
    stdio: 'inherit',
    // Inside, uid 0 would look up root's home: keep the user's for the default paths.
    env: { ...process.env, HOME: process.env.HOME || homedir(), [HOLDER_ENV]: String(holder.pid) },
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, forward(sig));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 1) : 0;
}

/**
 * After a clean shutdown inside the rootless namespaces: with no container left running, end the
 * holder too, so a stopped engine leaves no process behind. Running containers keep it (and their
 * mounts and network namespaces) for the next engine to adopt.
 */
export function releaseHolderIfIdle(engine: Engine): void {
  const pid = Number(process.env[HOLDER_ENV]);
  if (!engine.rootless || !Number.isInteger(pid) || pid <= 0) return;
  if (engine.containerStore.all().some((c) => c.state.running)) return;
  stopHolder(pid);
}
