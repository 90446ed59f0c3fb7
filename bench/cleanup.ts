/**
 * Host hygiene for the benchmark: kill what a daemon left running under its temp root, lazily
 * unmount what it mounted there, remove the directory. Everything is scoped to one temp directory
 * so nothing outside the benchmark is ever touched.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

/** Refuses roots that are too vague to match safely (`/`, `/tmp`, one path component). */
function specific(dir: string): boolean {
  const abs = resolve(dir);
  return abs.split('/').filter(Boolean).length >= 2 && abs !== resolve(tmpdir());
}

/** (pid, ppid) of every process, minus ours. */
export function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      table.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // vanished
    }
  }
  return table;
}

/** `pid` and all its descendants. */
export function processTree(pid: number, table = processTable()): number[] {
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, pp] of table) {
      if (!tree.has(p) && tree.has(pp)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** SIGKILLs processes whose command line or root mentions `dir`, with their descendants. */
export function killUnder(dir: string): void {
  if (!specific(dir)) return;
  const table = processTable();
  const doomed = new Set<number>();
  for (const pid of table.keys()) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      let root = '';
      try {
        root = readlinkSync(`/proc/${pid}/root`);
      } catch {
        // not readable
      }
      if (cmdline.includes(dir) || root.startsWith(dir))
        for (const p of processTree(pid, table)) doomed.add(p);
    } catch {
      // vanished
    }
  }
  // Never our own ancestors, whatever their arguments say.
  for (let p = process.ppid; p > 1; p = table.get(p) ?? 0) doomed.delete(p);
  for (const pid of doomed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const abs = resolve(dir);
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  } catch {
    return [];
  }
  return lines
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === abs || m.startsWith(abs + '/')))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or below `dir`; returns how many mounts there were. */
export function unmountUnder(dir: string): number {
  if (!specific(dir)) return 0;
  const mounts = mountsUnder(dir);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
  return mounts.length;
}

/** Kill, unmount, remove: the full teardown of a daemon's private temp root. */
export function scrubDir(dir: string): void {
  if (!specific(dir)) return;
  killUnder(dir);
  unmountUnder(dir);
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // leftovers in tmp are not worth failing the benchmark over
  }
}
