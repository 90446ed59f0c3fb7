/**
 * Small measuring tools: wall-clock timing, medians, resident memory of a process tree from
 * /proc, and the disk usage of a directory.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { processTable, processTree } from './cleanup.js';

/** Milliseconds taken by `fn` (monotonic clock). */
export async function timeMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** VmRSS of one process in KiB, or 0 when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The short command name of a process (`/proc/PID/comm`). */
export function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

export interface RssSample {
  /** RSS of each process in the tree, by pid. */
  processes: Array<{ pid: number; comm: string; rssMB: number }>;
  /** Decimal megabytes (10^6 bytes), as the bars are stated. */
  totalMB: number;
}

/** RSS of `pid` and all its descendants. */
export function treeRss(pid: number): RssSample {
  const processes = processTree(pid).map((p) => ({ pid: p, comm: comm(p), rssMB: (rssKiB(p) * 1024) / 1e6 }));
  return { processes, totalMB: processes.reduce((a, p) => a + p.rssMB, 0) };
}

/** Bytes allocated on disk under `dir` (st_blocks, hard links counted once, mounts not crossed). */
export function diskUsage(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  let rootDev: number | undefined;
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    rootDev ??= st.dev;
    if (st.dev !== rootDev) return;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    total += st.blocks * 512;
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p);
      } catch {
        return;
      }
      for (const n of names) walk(join(p, n));
    }
  };
  walk(dir);
  return total;
}

/** a / b, or null when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !isFinite(a) || !isFinite(b) || b === 0) return null;
  return a / b;
}

/** Processes outside the engine's own tree that serve it (conmon, containerd, shims), by name. */
export interface HelperRss {
  /** Total per command name (`conmon`, `containerd-shim-runc-v2`, …), MB. */
  byComm: Record<string, { count: number; rssMB: number }>;
  totalMB: number;
}

const ownPidNs = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
})();

/**
 * RSS of every process (with descendants) whose command line mentions `dir`, except `excludePid`
 * and container payloads (processes in another pid namespace).
 */
export function helperRss(dir: string, excludePid: number): HelperRss {
  const table = processTable();
  const found = new Set<number>();
  for (const pid of table.keys()) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) continue;
    } catch {
      continue;
    }
    for (const p of processTree(pid, table)) found.add(p);
  }
  found.delete(excludePid);
  const byComm: HelperRss['byComm'] = {};
  let totalMB = 0;
  for (const pid of found) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/pid`) !== ownPidNs) continue;
    } catch {
      continue;
    }
    const mb = (rssKiB(pid) * 1024) / 1e6;
    const name = comm(pid);
    byComm[name] ??= { count: 0, rssMB: 0 };
    byComm[name].count++;
    byComm[name].rssMB += mb;
    totalMB += mb;
  }
  return { byComm, totalMB };
}

/** CPU time (user + system) used so far by one process, ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) in clock ticks of 10 ms (USER_HZ = 100 on Linux).
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}
