/**
 * Health checks (`Config.Healthcheck`): the probe runs as an exec in the container every interval;
 * its result moves `State.Health` between starting, healthy and unhealthy as dockerd does, keeping
 * the last five results, and a change of status is an event (`health_status: healthy`).
 *
 * service.ts calls `healthMonitor(service).start(rec)` after a start and `.stop(id)` when the
 * container exits; the monitor state lives here, one per service.
 */
import { join } from 'node:path';
import type { ContainerService } from './service.js';
import type { ContainerRecord, HealthState } from './store.js';
import { rootfsPaths } from './rootfs.js';

const SECOND = 1e9;
const DEFAULTS = {
  interval: 30 * SECOND,
  timeout: 30 * SECOND,
  startPeriod: 0,
  startInterval: 5 * SECOND,
  retries: 3,
};
const MAX_LOG = 5;
const MAX_OUTPUT = 4096;

export interface HealthConfig {
  cmd: string[];
  /** All durations in nanoseconds. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

/** The effective health check of a container, or undefined when it has none (or `NONE`). */
export function healthConfig(rec: ContainerRecord): HealthConfig | undefined {
  const hc = rec.config.Healthcheck as Record<string, unknown> | undefined | null;
  const test = hc?.Test as string[] | undefined;
  if (!hc || !Array.isArray(test) || test.length === 0 || test[0] === 'NONE') return undefined;
  let cmd: string[];
  if (test[0] === 'CMD') cmd = test.slice(1);
  else if (test[0] === 'CMD-SHELL') {
    const shell =
      Array.isArray(rec.config.Shell) && rec.config.Shell.length
        ? (rec.config.Shell as string[])
        : ['/bin/sh', '-c'];
    cmd = [...shell, test.slice(1).join(' ')];
  } else return undefined;
  if (cmd.length === 0) return undefined;
  const dur = (v: unknown, d: number) => (typeof v === 'number' && v > 0 ? v : d);
  return {
    cmd,
    interval: dur(hc.Interval, DEFAULTS.interval),
    timeout: dur(hc.Timeout, DEFAULTS.timeout),
    startPeriod: dur(hc.StartPeriod, DEFAULTS.startPeriod),
    startInterval: dur(hc.StartInterval, DEFAULTS.startInterval),
    retries: dur(hc.Retries, DEFAULTS.retries),
  };
}

/** Go's duration text for the timeout message (`30s`, `1.5s`, `500ms`). */
function goDuration(ns: number): string {
  if (ns >= SECOND) return `${Number((ns / SECOND).toFixed(9))}s`;
  if (ns >= 1e6) return `${Number((ns / 1e6).toFixed(6))}ms`;
  return `${ns}ns`;
}

interface Probe {
  exitCode: number;
  output: string;
}

interface Monitor {
  timer?: NodeJS.Timeout;
  stopped: boolean;
  startedAt: number;
}

export class HealthMonitor {
  private readonly monitors = new Map<string, Monitor>();

  constructor(private readonly svc: ContainerService) {}

  /** Begins checking a container that has just started (no-op without a health check). */
  start(rec: ContainerRecord): void {
    this.stop(rec.id, false);
    const cfg = healthConfig(rec);
    if (!cfg) return;
    rec.state.health = { Status: 'starting', FailingStreak: 0, Log: rec.state.health?.Log ?? [] };
    void this.svc.store.save(rec).catch(() => undefined);
    const mon: Monitor = { stopped: false, startedAt: Date.now() };
    this.monitors.set(rec.id, mon);
    this.schedule(rec.id, mon, cfg);
  }

  /** Stops checking; dockerd marks the health `unhealthy` once its monitor stops. */
  stop(id: string, markUnhealthy = true): void {
    const mon = this.monitors.get(id);
    if (!mon) return;
    mon.stopped = true;
    if (mon.timer) clearTimeout(mon.timer);
    this.monitors.delete(id);
    const rec = this.svc.store.get(id);
    if (markUnhealthy && rec?.state.health) rec.state.health = { ...rec.state.health, Status: 'unhealthy' };
  }

  private inStartPeriod(mon: Monitor, cfg: HealthConfig): boolean {
    return (Date.now() - mon.startedAt) * 1e6 < cfg.startPeriod;
  }

  private schedule(id: string, mon: Monitor, cfg: HealthConfig): void {
    const rec = this.svc.store.get(id);
    const starting = rec?.state.health?.Status === 'starting' && this.inStartPeriod(mon, cfg);
    const wait = (starting ? cfg.startInterval : cfg.interval) / 1e6;
    mon.timer = setTimeout(() => {
      void this.check(id, mon, cfg).finally(() => {
        if (!mon.stopped) this.schedule(id, mon, cfg);
      });
    }, wait);
    mon.timer.unref();
  }

  private async check(id: string, mon: Monitor, cfg: HealthConfig): Promise<void> {
    const rec = this.svc.store.get(id);
    if (!rec || !rec.state.running || rec.state.paused || rec.state.restarting) return;
    const start = new Date();
    const result = await this.probe(rec, cfg).catch((err: unknown) => ({
      exitCode: -1,
      output: (err as Error).message,
    }));
    if (mon.stopped) return;
    const cur = this.svc.store.get(id);
    if (!cur || !cur.state.running) return;
    const prev: HealthState = cur.state.health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    const next: HealthState = {
      Status: prev.Status,
      FailingStreak: prev.FailingStreak,
      Log: [
        ...prev.Log,
        {
          Start: start.toISOString(),
          End: new Date().toISOString(),
          ExitCode: result.exitCode,
          Output: result.output,
        },
      ].slice(-MAX_LOG),
    };
    if (result.exitCode === 0) {
      next.Status = 'healthy';
      next.FailingStreak = 0;
    } else if (!(prev.Status === 'starting' && this.inStartPeriod(mon, cfg))) {
      // Failures during the start period do not count while the container is still starting.
      next.FailingStreak++;
      if (next.FailingStreak >= cfg.retries) next.Status = 'unhealthy';
    }
    cur.state.health = next;
    await this.svc.store.save(cur).catch(() => undefined);
    if (next.Status !== prev.Status) this.svc.emit(cur, `health_status: ${next.Status}`);
  }

  /** Runs the probe command in the container; a probe over its timeout is killed (exit code -1). */
  private async probe(rec: ContainerRecord, cfg: HealthConfig): Promise<Probe> {
    const dir = this.svc.store.dir(rec.id);
    const process = await this.svc.deps.spec.execProcess(rec, {
      cmd: cfg.cmd,
      env: [],
      user: '',
      workingDir: '',
      tty: false,
      privileged: false,
      rootfs: rootfsPaths(dir).merged,
      bundle: join(dir, 'bundle'),
    });
    const session = await this.svc.deps.runtime.exec(rec.id, process as never, {
      terminal: false,
      stdin: false,
      attach: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    session.stream?.on('data', (_s, chunk) => {
      if (size < MAX_OUTPUT) chunks.push(chunk);
      size += chunk.length;
    });
    session.stream?.on('error', () => undefined);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        globalThis.process.kill(session.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, cfg.timeout / 1e6);
    const code = await session.wait().finally(() => clearTimeout(timer));
    if (timedOut)
      return { exitCode: -1, output: `Health check exceeded timeout (${goDuration(cfg.timeout)})` };
    return { exitCode: code, output: Buffer.concat(chunks).subarray(0, MAX_OUTPUT).toString('utf8') };
  }
}

const monitors = new WeakMap<ContainerService, HealthMonitor>();

/** The health monitor of a container service (made on first use). */
export function healthMonitor(svc: ContainerService): HealthMonitor {
  let m = monitors.get(svc);
  if (!m) monitors.set(svc, (m = new HealthMonitor(svc)));
  return m;
}
