// Stats as `docker stats` shows them: CPU % from the delta against the previous sample, memory
// without the page cache, network and block I/O summed over interfaces and devices.
import type Docker from 'dockerode';
import type { StatsSample } from '../../contract/containers.js';

/** The parts of GET /containers/{id}/stats we read (cgroup v1 and v2 shapes). */
export interface RawStats {
  read?: string;
  pids_stats?: { current?: number };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** docker CLI's calculateCPUPercentUnix. */
export function cpuPercent(s: RawStats): number {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  const online = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  // Without a previous sample (first one of a stream) there is no delta to speak of.
  if (!pre?.system_cpu_usage || systemDelta <= 0 || cpuDelta <= 0) return 0;
  return (cpuDelta / systemDelta) * online * 100;
}

/** docker CLI's calculateMemUsageUnixNoCache. */
export function memUsage(s: RawStats): number {
  const m = s.memory_stats;
  const usage = m?.usage ?? 0;
  const st = m?.stats ?? {};
  // cgroup v1: total_inactive_file; cgroup v2: inactive_file.
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

export function reduceStats(id: string, s: RawStats): StatsSample {
  const used = memUsage(s);
  const limit = s.memory_stats?.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    netRx += n.rx_bytes ?? 0;
    netTx += n.tx_bytes ?? 0;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = (e.op ?? '').toLowerCase();
    if (op === 'read') blockRead += e.value ?? 0;
    else if (op === 'write') blockWrite += e.value ?? 0;
  }
  const read = s.read ? Date.parse(s.read) : NaN;
  return {
    id,
    // A stopped container's sample carries the zero time; stamp it now so charts keep moving.
    time: Number.isFinite(read) && read > 0 ? read : Date.now(),
    cpuPercent: round(cpuPercent(s)),
    memUsage: used,
    memLimit: limit,
    memPercent: limit > 0 ? round((used / limit) * 100) : 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: s.pids_stats?.current ?? 0,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Follows GET /containers/{id}/stats?stream=1 and calls `onSample` for every sample until the stream
 * ends or `signal` aborts. Resolves when the stream ends; rejects on a request error.
 */
export async function followStats(
  docker: Docker,
  id: string,
  signal: AbortSignal,
  onSample: (s: StatsSample) => void,
): Promise<void> {
  if (signal.aborted) return;
  const stream = (await docker
    .getContainer(id)
    .stats({ stream: true, abortSignal: signal } as object)) as unknown as NodeJS.ReadableStream | undefined;
  if (!stream) return;
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      (stream as unknown as { destroy(): void }).destroy();
      done();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          onSample(reduceStats(id, JSON.parse(line) as RawStats));
        } catch {
          // A malformed line is skipped; the next second brings another.
        }
      }
    });
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) resolve();
      else reject(err);
    });
  });
}
