// Connections, the engine summary and the live event stream.
import type { EngineEvent, EngineSummary } from '../../contract/system.js';
import { systemMethods, systemTopics } from '../../contract/system.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { withTimeout } from '../connections.js';
import { HandlerError } from '../errors.js';

const SUMMARY_TIMEOUT_MS = 5000;

export const systemMethodHandlers: MethodHandlers<typeof systemMethods> = {
  async 'system.summary'(_args, ctx) {
    const connection = await ctx.connections.current();
    const docker = await ctx.docker();
    const [info, version] = await withTimeout(
      Promise.all([docker.info(), docker.version()]),
      SUMMARY_TIMEOUT_MS,
      `${connection.name} did not answer within ${SUMMARY_TIMEOUT_MS / 1000} s`,
    );
    const platform = String((version as { Platform?: { Name?: string } }).Platform?.Name ?? '');
    const flavor: EngineSummary['flavor'] = /berth/i.test(platform)
      ? 'berth'
      : /podman/i.test(platform) || (version.Components ?? []).some((c) => /podman/i.test(c.Name))
        ? 'podman'
        : 'docker';
    return {
      flavor,
      name: String(info.Name ?? ''),
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: String(info.OperatingSystem ?? version.Os),
      arch: version.Arch,
      cpus: Number(info.NCPU ?? 0),
      memory: Number(info.MemTotal ?? 0),
      containers: {
        total: Number(info.Containers ?? 0),
        running: Number(info.ContainersRunning ?? 0),
        paused: Number(info.ContainersPaused ?? 0),
        stopped: Number(info.ContainersStopped ?? 0),
      },
      images: Number(info.Images ?? 0),
      dataRoot: String(info.DockerRootDir ?? ''),
      connection,
    };
  },
  async 'connections.list'(_args, ctx) {
    return ctx.connections.list();
  },
  async 'connections.use'(args, ctx) {
    return ctx.connections.use(args.id);
  },
  async 'connections.add'(args, ctx) {
    return ctx.connections.add(args.name, args.url);
  },
  async 'connections.remove'(args, ctx) {
    await ctx.connections.remove(args.id);
  },
  async 'connections.check'(args, ctx) {
    return ctx.connections.check(args.id);
  },
};

export const systemTopicHandlers: TopicHandlers<typeof systemTopics> = {
  /**
   * Follows GET /events of the current engine. When the user switches connection, a synthetic
   * `berth/connection` event tells the UI to refetch everything, and the stream follows the new engine.
   */
  async events(_args, ctx, emit, signal) {
    let switched: (() => void) | undefined;
    const onChange = () => switched?.();
    ctx.connections.on('change', onChange);
    try {
      while (!signal.aborted) {
        const docker = await ctx.docker();
        const stream = (await docker.getEvents({
          abortSignal: signal,
        } as object)) as NodeJS.ReadableStream & {
          destroy(): void;
        };
        const ended = new Promise<'ended' | 'switched'>((resolve, reject) => {
          switched = () => resolve('switched');
          let buffered = '';
          stream.on('data', (chunk: Buffer) => {
            buffered += chunk.toString('utf8');
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl).trim();
              buffered = buffered.slice(nl + 1);
              if (line) emit(JSON.parse(line) as EngineEvent);
            }
          });
          stream.on('end', () => resolve('ended'));
          stream.on('error', (err) => reject(err));
        });
        const why = await ended.finally(() => stream.destroy());
        if (why === 'ended' && !signal.aborted) {
          throw new HandlerError('the engine closed its event stream', undefined, 'engine-unreachable');
        }
        if (why === 'switched') {
          const now = Date.now();
          emit({
            Type: 'berth',
            Action: 'connection',
            Actor: { ID: (await ctx.connections.current()).id, Attributes: {} },
            time: Math.floor(now / 1000),
            timeNano: now * 1e6,
          });
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      ctx.connections.off('change', onChange);
    }
  },
};
