/**
 * Starting and stopping pasta (Debian `passt`) for one container namespace. pasta attaches a tap
 * interface to the namespace and translates its traffic to ordinary sockets on the host: outbound
 * connections, published ports (`-t`/`-u`), and the gateway address mapped to the host's loopback.
 * It daemonizes once its setup (tap, port binds) is done, writes its PID to a file and quits by itself
 * when the namespace's /run/netns entry is deleted, so it survives an engine restart and the engine
 * finds it again from the PID file.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SystemError } from '../errors.js';
import { pastaPortArgs, type PortBinding } from './ports.js';

export const PASTA_IFNAME = 'tap0';

export interface PastaOptions {
  /** Binary; default `pasta` from PATH. */
  binary?: string;
  netnsPath: string;
  /** Container address and prefix on its primary network, and that network's gateway. */
  address: string;
  prefix: number;
  gateway: string;
  ports: readonly PortBinding[];
  /** Forward DNS queries sent to the gateway to the host's resolvers (from /etc/resolv.conf). */
  dnsForward: boolean;
  pidFile: string;
  /** Running as root: keep root (pasta otherwise drops to `nobody` and cannot join the namespace). */
  runAsRoot: boolean;
}

export function pastaArgs(o: PastaOptions): string[] {
  const args = [
    '--netns',
    o.netnsPath,
    '-I',
    PASTA_IFNAME,
    '-a',
    o.address,
    '-n',
    String(o.prefix),
    '-g',
    o.gateway,
  ];
  if (o.runAsRoot) args.push('--runas', '0');
  if (o.dnsForward) args.push('--dns-forward', o.gateway);
  args.push('-P', o.pidFile, '-q', ...pastaPortArgs(o.ports));
  return args;
}

/** Starts pasta and returns the daemon's PID once it is up (ports bound, tap created). */
export async function startPasta(o: PastaOptions): Promise<number> {
  const args = pastaArgs(o);
  await new Promise<void>((resolve, reject) => {
    execFile(o.binary ?? 'pasta', args, { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const lines = stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('Failed to send') && !l.startsWith("Don't run as root"));
      const bind = lines.find((l) => l.startsWith('Failed to bind'));
      reject(new SystemError(`pasta failed: ${bind ?? (lines.join('; ') || err.message)}`));
    });
  });
  // The parent exits after forking; the PID file is written by then, but allow a short grace.
  for (let i = 0; i < 50; i++) {
    const pid = await readPid(o.pidFile);
    if (pid && isPasta(pid)) return pid;
    await sleep(20);
  }
  throw new SystemError('pasta started but did not write its PID file');
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live pasta/passt process (guards against PID reuse after a reboot). */
export function isPasta(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    return /(^|\/)(pasta|passt)[^\0]*\0/.test(cmd);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopPasta(pid: number): Promise<void> {
  if (!isPasta(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    if (!isPasta(pid)) return;
    await sleep(20);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
