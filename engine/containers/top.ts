/**
 * `docker top`: the host's `ps` run with the client's arguments, its rows filtered to the PIDs in the
 * container's cgroup — dockerd's approach, so `ps_args` means what it means to `ps`.
 */
import { execFile } from 'node:child_process';
import { ConflictError, InvalidArgumentError, SystemError } from '../errors.js';
import { cgroupOf, cgroupPids, pidNamespaceMembers } from './cgroups.js';
import type { ContainerRecord } from './store.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

function ps(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim() || err.message));
      else resolve(String(stdout));
    });
  });
}

/** Rejects `-o`/`o` column lists that leave out the PID column (dockerd's check). */
function validatePsArgs(args: string[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const cols = a === '-o' || a === 'o' ? args[i + 1] : /^-o/.test(a) ? a.slice(2) : undefined;
    if (cols === undefined) continue;
    const names = cols.split(',').map((c) => c.split('=')[0]!.trim().toLowerCase());
    if (!names.some((n) => n === 'pid'))
      throw new InvalidArgumentError("Couldn't find PID field in ps output");
  }
}

/** Parses `ps` output and keeps the rows of `pids`. The last column (the command) may contain spaces. */
export function parsePs(output: string, pids: Set<number>): TopResult {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const Titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = Titles.indexOf('PID');
  if (pidIndex < 0) throw new SystemError("Couldn't find PID field in ps output");
  const Processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const row = fields.slice(0, Titles.length - 1);
    row.push(fields.slice(Titles.length - 1).join(' '));
    const pid = Number(row[pidIndex]);
    if (pids.has(pid)) Processes.push(row);
  }
  return { Titles, Processes };
}

export async function containerTop(rec: ContainerRecord, psArgs: string | null): Promise<TopResult> {
  const notRunning = () => new ConflictError(`Container ${rec.id} is not running`);
  if (!rec.state.running || rec.state.restarting || !rec.state.pid) throw notRunning();
  const cg = await cgroupOf(rec.state.pid);
  // Rootless containers have no cgroup of their own: take the members of their PID namespace instead.
  const pids = cg ? await cgroupPids(cg) : await pidNamespaceMembers(rec.state.pid);
  if (!cg && pids.length === 0) throw notRunning();
  if (pids.length === 0) pids.push(rec.state.pid);
  const args = (psArgs || '-ef').split(' ').filter(Boolean);
  validatePsArgs(args);
  let out: string;
  try {
    out = await ps([...args, '-q', pids.join(',')]);
  } catch {
    // Some options (such as `f`) cannot be combined with -q: ask for everything and filter.
    try {
      out = await ps(args);
    } catch (err) {
      throw new SystemError(`Error running ps: ${(err as Error).message}`);
    }
  }
  return parsePs(out, new Set(pids));
}
