/**
 * Child-process bookkeeping for test helpers: every process started here is killed when the test
 * process exits, however it exits. Children are also started under `setpriv --pdeathsig KILL` when
 * available, so even a SIGKILLed test worker leaves nothing behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only take over the signal when nobody else handles it, so we don't change the runner's behaviour.
    if (process.listenerCount(sig) === 0) {
      process.once(sig, () => {
        killAll();
        process.kill(process.pid, sig);
      });
    }
  }
}

const SETPRIV = '/usr/bin/setpriv';

/** Spawns a tracked child. `pdeathsig` (default true) makes the kernel kill it if we die first. */
export function spawnTracked(
  command: string,
  args: string[],
  options: SpawnOptions & { pdeathsig?: boolean } = {},
): ChildProcess {
  hookExit();
  const { pdeathsig = true, ...spawnOpts } = options;
  // pdeathsig is per-thread on Linux; vitest workers may be threads, which is still "our" lifetime.
  const useSetpriv = pdeathsig && existsSync(SETPRIV);
  const child = useSetpriv
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], spawnOpts)
    : spawn(command, args, spawnOpts);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Sends `signal`, then SIGKILL after `graceMs`, and resolves when the process has exited. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

/** Resolves once the process has exited (immediately if it already has). */
export function waitExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Runs a command to completion and returns its output; rejects on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  opts: { input?: Buffer | string; cwd?: string } = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(command, args, {
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      pdeathsig: false,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

/** A free TCP port on 127.0.0.1 (bind to 0, read the port, release it). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
