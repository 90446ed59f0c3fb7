// Containers: the list, lifecycle actions (each takes many ids and reports per id), inspect, top,
// stats, files through the archive API, and Run (pulling the image when it is missing).
import type Docker from 'dockerode';
import type {
  ActionResult,
  StatsPoint,
  containerMethods,
  containerTopics,
} from '../../contract/containers.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { toBridgeError } from '../errors.js';
import { toSummary } from '../containers/summary.js';
import { followStats } from '../containers/stats.js';
import { downloadPath, listDir, statFile, uploadFile } from '../containers/files.js';
import { runContainer } from '../containers/run.js';

/** How many containers a bulk action works on at once. */
const BULK_CONCURRENCY = 8;

/**
 * Runs `act` for each id, a few at a time, and reports each outcome. A 304 (already started, already
 * stopped) counts as success: the container is where the user wanted it.
 */
async function bulk(
  docker: Docker,
  ids: string[],
  act: (c: Docker.Container) => Promise<unknown>,
): Promise<ActionResult[]> {
  const results: ActionResult[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i]!;
      try {
        await act(docker.getContainer(id));
        results[i] = { id, ok: true };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 304) {
          results[i] = { id, ok: true };
          continue;
        }
        const e = toBridgeError(err);
        results[i] = { id, ok: false, error: e.message, ...(e.status ? { status: e.status } : {}) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, ids.length) }, worker));
  return results;
}

export const containerMethodHandlers: MethodHandlers<typeof containerMethods> = {
  async 'containers.list'(_args, ctx) {
    const docker = await ctx.docker();
    const list = await docker.listContainers({ all: true });
    return list.map(toSummary);
  },
  async 'containers.start'(args, ctx) {
    return bulk(await ctx.docker(), args.ids, (c) => c.start());
  },
  async 'containers.stop'(args, ctx) {
    const opts = args.timeout === undefined ? {} : { t: args.timeout };
    return bulk(await ctx.docker(), args.ids, (c) => c.stop(opts));
  },
  async 'containers.restart'(args, ctx) {
    const opts = args.timeout === undefined ? {} : { t: args.timeout };
    return bulk(await ctx.docker(), args.ids, (c) => c.restart(opts));
  },
  async 'containers.pause'(args, ctx) {
    return bulk(await ctx.docker(), args.ids, (c) => c.pause());
  },
  async 'containers.unpause'(args, ctx) {
    return bulk(await ctx.docker(), args.ids, (c) => c.unpause());
  },
  async 'containers.kill'(args, ctx) {
    return bulk(await ctx.docker(), args.ids, (c) => c.kill(args.signal ? { signal: args.signal } : {}));
  },
  async 'containers.remove'(args, ctx) {
    return bulk(await ctx.docker(), args.ids, (c) => c.remove({ force: args.force, v: args.volumes }));
  },
  async 'containers.inspect'(args, ctx) {
    const docker = await ctx.docker();
    return (await docker.getContainer(args.id).inspect()) as unknown as Record<string, unknown>;
  },
  async 'containers.top'(args, ctx) {
    const docker = await ctx.docker();
    const top = (await docker.getContainer(args.id).top(args.psArgs ? { ps_args: args.psArgs } : {})) as {
      Titles?: string[];
      Processes?: string[][];
    };
    return { titles: top.Titles ?? [], processes: top.Processes ?? [] };
  },
  async 'containers.files.list'(args, ctx) {
    return listDir(await ctx.docker(), args.id, args.path);
  },
  async 'containers.files.stat'(args, ctx) {
    return statFile(await ctx.docker(), args.id, args.path);
  },
  async 'containers.files.download'(args, ctx) {
    return downloadPath(await ctx.docker(), args.id, args.path);
  },
  async 'containers.files.upload'(args, ctx) {
    const data = Buffer.from(args.base64, 'base64');
    await uploadFile(await ctx.docker(), args.id, args.dir, args.name, data, args.mode);
  },
};

export const containerTopicHandlers: TopicHandlers<typeof containerTopics> = {
  async 'containers.stats'(args, ctx, emit, signal) {
    await followStats(await ctx.docker(), args.id, signal, emit);
  },

  /**
   * One stats stream per container; the latest sample of each goes out once a second as one batch,
   * so the renderer redraws every sparkline in one pass. Streams that fail (a container removed
   * meanwhile) simply stop contributing.
   */
  async 'containers.statsMany'(args, ctx, emit, signal) {
    const docker = await ctx.docker();
    const latest = new Map<string, StatsPoint>();
    const ids = [...new Set(args.ids)];
    const streams = ids.map((id) =>
      followStats(docker, id, signal, (s) =>
        latest.set(id, {
          id,
          time: s.time,
          cpuPercent: s.cpuPercent,
          memUsage: s.memUsage,
          memLimit: s.memLimit,
        }),
      ).catch(() => undefined),
    );
    const timer = setInterval(() => {
      if (latest.size === 0) return;
      const batch = [...latest.values()];
      latest.clear();
      emit(batch);
    }, 1000);
    try {
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await Promise.all(streams);
    } finally {
      clearInterval(timer);
    }
  },

  async 'containers.run'(args, ctx, emit, signal) {
    await runContainer(await ctx.docker(), args, emit, signal);
  },
};
