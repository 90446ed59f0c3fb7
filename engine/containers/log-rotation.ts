import { rotateLog } from '../runtime/logs.js';
import type { ContainerService } from './service.js';
import { parseSize } from './service.js';

/** The json-file driver's `max-size`/`max-file` options of a container, if it set any. */
export function logLimits(
  hostConfig: Record<string, unknown>,
): { maxSize: number; maxFiles: number } | undefined {
  const cfg = (hostConfig.LogConfig as { Config?: Record<string, string> } | undefined)?.Config ?? {};
  const maxSize = parseSize(cfg['max-size']);
  if (!maxSize) return undefined;
  const maxFiles = cfg['max-file'] ? Number(cfg['max-file']) : 1;
  return { maxSize, maxFiles: Number.isInteger(maxFiles) && maxFiles > 0 ? maxFiles : 1 };
}

/**
 * Rotates running containers' logs by size while the engine runs (conmon cannot rotate: it only
 * reopens its log when asked). conmon's own size cap is the backstop while the engine is down.
 */
export class LogRotator {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly containers: ContainerService,
    private readonly reopen: (id: string) => Promise<void>,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const rec of this.containers.store.all()) {
        if (!rec.state.running) continue;
        const limits = logLimits(rec.hostConfig);
        if (!limits) continue;
        await rotateLog(this.containers.logPath(rec), limits, () => this.reopen(rec.id)).catch(
          () => undefined,
        );
      }
    } finally {
      this.busy = false;
    }
  }
}
