/**
 * HostConfig resource settings → OCI `linux.resources` / rlimits / oom score, validated with
 * dockerd's messages.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../../errors.js';
import type { OciResources, OciRlimit } from './types.js';

/** The HostConfig fields this module reads (Docker Engine API names). */
export interface ResourceConfig {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  NanoCpus?: number;
  CpuShares?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }> | null;
  OomScoreAdj?: number;
}

export interface ResourceContext {
  /** CPUs available to containers; defaults to this host's. */
  cpus?: number;
  /** Whether the kernel accounts swap (memsw / memory.swap.max); when not, swap limits are dropped. */
  swapLimit?: boolean;
}

export const MIN_MEMORY = 6 * 1024 * 1024;
export const CFS_PERIOD = 100_000;
export const DEFAULT_NOFILE = 1_048_576;

const bad = (msg: string) => new InvalidArgumentError(msg);

/** Throws on the settings dockerd refuses. */
export function validateResources(hc: ResourceConfig, ctx: ResourceContext = {}): void {
  const cpus = ctx.cpus ?? availableParallelism();
  const mem = hc.Memory ?? 0;
  const swap = hc.MemorySwap ?? 0;
  const reservation = hc.MemoryReservation ?? 0;
  if (mem < 0) throw bad('invalid memory limit: negative value');
  if (mem > 0 && mem < MIN_MEMORY) throw bad('Minimum memory limit allowed is 6MB');
  if (mem > 0 && swap > 0 && swap < mem) {
    throw bad('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (mem === 0 && swap > 0)
    throw bad('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (reservation > 0 && reservation < MIN_MEMORY) throw bad('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && reservation > 0 && mem < reservation) {
    throw bad('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const swappiness = hc.MemorySwappiness;
  if (swappiness != null && swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw bad(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  const nano = hc.NanoCpus ?? 0;
  if (nano > 0 && hc.CpuPeriod) throw bad('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && hc.CpuQuota) throw bad('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > cpus * 1e9 || (nano > 0 && nano < 1e7)) {
    throw bad(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
  }
  if (hc.CpuPeriod && (hc.CpuPeriod < 1000 || hc.CpuPeriod > 1_000_000)) {
    throw bad('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (hc.CpuQuota && hc.CpuQuota > 0 && hc.CpuQuota < 1000) {
    throw bad('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  }
  if (hc.CpuShares && hc.CpuShares < 0) throw bad('invalid CPU shares: negative value');
  for (const [v, what] of [
    [hc.CpusetCpus, 'cpus'],
    [hc.CpusetMems, 'mems'],
  ] as const) {
    if (v && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw bad(`Invalid value ${v} for cpuset ${what}`);
  }
  const w = hc.BlkioWeight ?? 0;
  if (w > 0 && (w < 10 || w > 1000)) throw bad('Range of blkio weight is from 10 to 1000');
  const oom = hc.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) throw bad(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  for (const u of hc.Ulimits ?? []) {
    if (u.Soft > u.Hard)
      throw bad(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    if (!RLIMIT_NAMES.has(u.Name.toLowerCase())) throw bad(`invalid ulimit type: ${u.Name}`);
  }
}

/** The OCI cgroup resources (devices are added by the caller). */
export function linuxResources(hc: ResourceConfig, ctx: ResourceContext = {}): OciResources {
  validateResources(hc, ctx);
  const r: OciResources = {};
  const memory: NonNullable<OciResources['memory']> = {};
  const mem = hc.Memory ?? 0;
  if (mem > 0) {
    memory.limit = mem;
    if (ctx.swapLimit !== false) {
      // 0 = dockerd's default of as much swap as memory (limit is memory+swap); -1 = unlimited.
      const swap = hc.MemorySwap ?? 0;
      memory.swap = swap === 0 ? mem * 2 : swap;
    }
  }
  if (hc.MemoryReservation) memory.reservation = hc.MemoryReservation;
  if (hc.MemorySwappiness != null && hc.MemorySwappiness >= 0) memory.swappiness = hc.MemorySwappiness;
  if (hc.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) r.memory = memory;

  const cpu: NonNullable<OciResources['cpu']> = {};
  if (hc.NanoCpus) {
    cpu.period = CFS_PERIOD;
    cpu.quota = Math.floor((hc.NanoCpus * CFS_PERIOD) / 1e9);
  }
  if (hc.CpuPeriod) cpu.period = hc.CpuPeriod;
  if (hc.CpuQuota) cpu.quota = hc.CpuQuota;
  if (hc.CpuShares) cpu.shares = hc.CpuShares;
  if (hc.CpuRealtimePeriod) cpu.realtimePeriod = hc.CpuRealtimePeriod;
  if (hc.CpuRealtimeRuntime) cpu.realtimeRuntime = hc.CpuRealtimeRuntime;
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;

  if (hc.PidsLimit != null && hc.PidsLimit !== 0) r.pids = { limit: hc.PidsLimit > 0 ? hc.PidsLimit : -1 };
  if (hc.BlkioWeight) r.blockIO = { weight: hc.BlkioWeight };
  return r;
}

const RLIMIT_NAMES = new Set([
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
]);

/** Hard RLIMIT_NOFILE of this process (from /proc/self/limits); undefined when unknown/unlimited. */
export function ownNofileHardLimit(limitsText?: string): number | undefined {
  try {
    const text = limitsText ?? readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+\S+\s+(\d+)/m.exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether we hold CAP_SYS_RESOURCE (needed to raise a hard rlimit). */
function canRaiseLimits(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? ((BigInt(`0x${m[1]}`) >> 24n) & 1n) === 1n : false;
  } catch {
    return false;
  }
}

/**
 * The default RLIMIT_NOFILE (1048576, as dockerd gives containers), lowered to our own hard limit
 * when we may not raise it (no CAP_SYS_RESOURCE), since the runtime's setrlimit would fail.
 */
export function defaultNofile(): number {
  if (canRaiseLimits()) return DEFAULT_NOFILE;
  return Math.min(DEFAULT_NOFILE, ownNofileHardLimit() ?? DEFAULT_NOFILE);
}

/** Default RLIMIT_NOFILE, overridden/extended by HostConfig.Ulimits. */
export function processRlimits(
  ulimits: ResourceConfig['Ulimits'],
  defaultNofileLimit: number | undefined = defaultNofile(),
): OciRlimit[] {
  const byType = new Map<string, OciRlimit>();
  if (defaultNofileLimit) {
    byType.set('RLIMIT_NOFILE', {
      type: 'RLIMIT_NOFILE',
      soft: defaultNofileLimit,
      hard: defaultNofileLimit,
    });
  }
  for (const u of ulimits ?? []) {
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    byType.set(type, { type, soft: u.Soft, hard: u.Hard });
  }
  return [...byType.values()];
}
