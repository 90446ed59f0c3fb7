/**
 * `docker stats`: dockerd's stats JSON from the container's cgroup (v1 or v2), the host's /proc/stat
 * (system CPU time in ns) and the container's network namespace (`/proc/<pid>/net/dev`).
 */
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import {
  cgroupOf,
  pidNamespaceMembers,
  readCg,
  readCgKeyed,
  readCgNumber,
  type ContainerCgroup,
} from './cgroups.js';
import { inUserNamespace } from '../runtime/rootless/userns.js';
import type { ContainerRecord } from './store.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture the engine runs on. */
const CLOCK_TICKS = 100;
/** /proc/<pid>/statm counts pages; 4 KiB on the architectures the engine runs on (x86-64, arm64 Debian). */
const PAGE_SIZE = 4096;

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface NetStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

export interface StatsJSON {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, BlkioEntry[] | null>;
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: {
    usage?: number;
    max_usage?: number;
    stats?: Record<string, number>;
    limit?: number;
    failcnt?: number;
  };
  name: string;
  id: string;
  networks?: Record<string, NetStats>;
}

function emptyBlkio(): Record<string, BlkioEntry[] | null> {
  const keys = [
    'io_service_bytes_recursive',
    'io_serviced_recursive',
    'io_queue_recursive',
    'io_service_time_recursive',
    'io_wait_time_recursive',
    'io_merged_recursive',
    'io_time_recursive',
    'sectors_recursive',
  ];
  return Object.fromEntries(keys.map((k) => [k, null]));
}

function emptyCpu(): CpuStats {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** What dockerd reports for a container that is not running. */
export function zeroStats(rec: ContainerRecord): StatsJSON {
  return {
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: emptyBlkio(),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
    name: rec.name,
    id: rec.id,
  };
}

/** Host CPU time in ns: the first seven fields of /proc/stat's `cpu` line (user … softirq), as dockerd sums them. */
export async function systemCpuUsage(): Promise<number> {
  const text = await readFile('/proc/stat', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, b) => a + Number(b), 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

/** Interfaces of the namespace `pid` is in (loopback left out, as dockerd does). */
export async function netStats(pid: number): Promise<Record<string, NetStats> | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, NetStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    if (name === 'lo') continue;
    const n = line
      .slice(i + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = {
      rx_bytes: n[0] ?? 0,
      rx_packets: n[1] ?? 0,
      rx_errors: n[2] ?? 0,
      rx_dropped: n[3] ?? 0,
      tx_bytes: n[8] ?? 0,
      tx_packets: n[9] ?? 0,
      tx_errors: n[10] ?? 0,
      tx_dropped: n[11] ?? 0,
    };
  }
  return Object.keys(out).length ? out : undefined;
}

/** Parses v1 `blkio.*_recursive` lines (`8:0 Read 4096`); the `Total` line of the file is skipped. */
function blkioV1(text: string | undefined): BlkioEntry[] | null {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out.length ? out : null;
}

/** Parses v2 `io.stat` (`8:0 rbytes=1 wbytes=2 rios=3 wios=4 …`) into dockerd's read/write entries. */
function ioStatV2(text: string | undefined): { bytes: BlkioEntry[] | null; ios: BlkioEntry[] | null } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(kvs.map((x) => x.split('=')).map(([k, v]) => [k, Number(v)]));
    const d = { major: Number(m[1]), minor: Number(m[2]) };
    bytes.push({ ...d, op: 'read', value: kv.rbytes ?? 0 }, { ...d, op: 'write', value: kv.wbytes ?? 0 });
    ios.push({ ...d, op: 'read', value: kv.rios ?? 0 }, { ...d, op: 'write', value: kv.wios ?? 0 });
  }
  return { bytes: bytes.length ? bytes : null, ios: ios.length ? ios : null };
}

/** Machine memory stands in for "no limit", as dockerd reports it. */
function capLimit(limit: number | undefined): number {
  const machine = totalmem();
  return limit === undefined || limit > machine ? machine : limit;
}

async function sampleV1(cg: Extract<ContainerCgroup, { version: 1 }>, s: StatsJSON): Promise<void> {
  const acct = cg.dirs.cpuacct;
  const percpu = ((await readCg(acct, 'cpuacct.usage_percpu')) ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const cpuStat = await readCgKeyed(acct, 'cpuacct.stat');
  const throttle = await readCgKeyed(cg.dirs.cpu, 'cpu.stat');
  const tickNs = 1e9 / CLOCK_TICKS;
  s.cpu_stats.cpu_usage = {
    total_usage: (await readCgNumber(acct, 'cpuacct.usage')) ?? 0,
    ...(percpu.length ? { percpu_usage: percpu } : {}),
    usage_in_kernelmode: (cpuStat.system ?? 0) * tickNs,
    usage_in_usermode: (cpuStat.user ?? 0) * tickNs,
  };
  s.cpu_stats.throttling_data = {
    periods: throttle.nr_periods ?? 0,
    throttled_periods: throttle.nr_throttled ?? 0,
    throttled_time: throttle.throttled_time ?? 0,
  };
  const mem = cg.dirs.memory;
  s.memory_stats = {
    usage: (await readCgNumber(mem, 'memory.usage_in_bytes')) ?? 0,
    max_usage: (await readCgNumber(mem, 'memory.max_usage_in_bytes')) ?? 0,
    stats: await readCgKeyed(mem, 'memory.stat'),
    failcnt: (await readCgNumber(mem, 'memory.failcnt')) ?? 0,
    limit: capLimit(await readCgNumber(mem, 'memory.limit_in_bytes')),
  };
  const blk = cg.dirs.blkio;
  s.blkio_stats = {
    ...emptyBlkio(),
    io_service_bytes_recursive: blkioV1(await readCg(blk, 'blkio.throttle.io_service_bytes_recursive')),
    io_serviced_recursive: blkioV1(await readCg(blk, 'blkio.throttle.io_serviced_recursive')),
  };
  const limit = await readCgNumber(cg.dirs.pids, 'pids.max');
  s.pids_stats = {
    current: (await readCgNumber(cg.dirs.pids, 'pids.current')) ?? 0,
    ...(limit !== undefined ? { limit } : {}),
  };
}

async function sampleV2(dir: string, s: StatsJSON): Promise<void> {
  const cpu = await readCgKeyed(dir, 'cpu.stat');
  s.cpu_stats.cpu_usage = {
    total_usage: (cpu.usage_usec ?? 0) * 1000,
    usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
    usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
  };
  s.cpu_stats.throttling_data = {
    periods: cpu.nr_periods ?? 0,
    throttled_periods: cpu.nr_throttled ?? 0,
    throttled_time: (cpu.throttled_usec ?? 0) * 1000,
  };
  s.memory_stats = {
    usage: (await readCgNumber(dir, 'memory.current')) ?? 0,
    stats: await readCgKeyed(dir, 'memory.stat'),
    limit: capLimit(await readCgNumber(dir, 'memory.max')),
  };
  const io = ioStatV2(await readCg(dir, 'io.stat'));
  s.blkio_stats = { ...emptyBlkio(), io_service_bytes_recursive: io.bytes, io_serviced_recursive: io.ios };
  const limit = await readCgNumber(dir, 'pids.max');
  s.pids_stats = {
    current: (await readCgNumber(dir, 'pids.current')) ?? 0,
    ...(limit !== undefined ? { limit } : {}),
  };
}

/** CPU time, resident memory and process count summed over `pids` (no limits: the machine's memory). */
async function sampleProcesses(pids: number[], s: StatsJSON): Promise<void> {
  let user = 0;
  let system = 0;
  let rss = 0;
  let count = 0;
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // After "pid (comm) ": state is field 3; utime, stime, cutime, cstime are 14–17.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      user += Number(f[11]) + Number(f[13]);
      system += Number(f[12]) + Number(f[14]);
      rss += Number((await readFile(`/proc/${pid}/statm`, 'utf8')).split(' ')[1]) * PAGE_SIZE;
      count++;
    } catch {
      // exited meanwhile
    }
  }
  const tickNs = 1e9 / CLOCK_TICKS;
  s.cpu_stats.cpu_usage = {
    total_usage: (user + system) * tickNs,
    usage_in_kernelmode: system * tickNs,
    usage_in_usermode: user * tickNs,
  };
  s.memory_stats = { usage: rss, stats: {}, limit: totalmem() };
  s.pids_stats = { current: count };
}

/** One sample of a running container (zeros when it is not running or its cgroup is gone). */
export async function sampleStats(rec: ContainerRecord): Promise<StatsJSON> {
  const pid = rec.state.running && !rec.state.restarting ? rec.state.pid : 0;
  const cg = pid ? await cgroupOf(pid) : undefined;
  // Rootless containers have no cgroup: sum what /proc says about their processes instead.
  const procs = !cg && pid && inUserNamespace() ? await pidNamespaceMembers(pid) : [];
  if (!cg && procs.length === 0) return zeroStats(rec);
  const s = zeroStats(rec);
  s.read = new Date().toISOString();
  if (!cg) await sampleProcesses(procs, s);
  else if (cg.version === 1) await sampleV1(cg, s);
  else await sampleV2(cg.dir, s);
  s.cpu_stats.system_cpu_usage = await systemCpuUsage();
  s.cpu_stats.online_cpus = cpus().length;
  if (rec.network.mode !== 'host') {
    const nets = await netStats(pid);
    if (nets) s.networks = nets;
  }
  return s;
}

/** Makes `cur` carry `prev` as its previous sample (precpu_stats, preread). */
export function withPrevious(cur: StatsJSON, prev: StatsJSON | undefined): StatsJSON {
  if (!prev) return cur;
  return { ...cur, preread: prev.read, precpu_stats: prev.cpu_stats };
}

/**
 * Samples every `intervalMs` and hands each (with the previous one as precpu) to `emit` until
 * `signal` aborts. `lookup` re-reads the record so a stop or restart is seen.
 */
export async function streamStats(
  lookup: () => ContainerRecord | undefined,
  emit: (s: StatsJSON) => boolean | Promise<boolean>,
  signal: AbortSignal,
  intervalMs = 1000,
): Promise<void> {
  let prev: StatsJSON | undefined;
  while (!signal.aborted) {
    const rec = lookup();
    if (!rec) return;
    const cur = await sampleStats(rec);
    const out = cur.read === ZERO_TIME ? cur : withPrevious(cur, prev);
    prev = cur.read === ZERO_TIME ? undefined : cur;
    if ((await emit(out)) === false) return;
    await sleep(intervalMs, signal);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
