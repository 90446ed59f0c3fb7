// Volumes: list with size and users, create, remove, prune with a preview, browse, and chunked
// downloads (a file, or the volume as a tar) and imports (a tar), all through the Docker API.
import type { VolumePrunePreview, VolumePruneResult } from '../../contract/volumes.js';
import { VOLUME_LIST_LIMIT, volumeMethods, volumeTopics } from '../../contract/volumes.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { toBridgeError } from '../errors.js';
import { listFromArchive } from '../volumes/browse.js';
import { withHelper, sweepStaleHelpers } from '../volumes/helper.js';
import { inspectVolume, listVolumes } from '../volumes/info.js';
import { formatBytes } from '../format.js';
import { helperPath, VolumeTransfers } from '../volumes/transfers.js';
import type { Readable } from 'node:stream';
import { posix } from 'node:path';

/** A listing gives up on a huge directory tree after this long and says so. */
const BROWSE_TIMEOUT_MS = 20_000;

let lastSweep = 0;

export const volumeMethodHandlers: MethodHandlers<typeof volumeMethods> = {
  async 'volumes.list'(_args, ctx) {
    const docker = await ctx.docker();
    if (Date.now() - lastSweep > 10 * 60_000) {
      lastSweep = Date.now();
      void sweepStaleHelpers(docker).catch(() => undefined);
    }
    return listVolumes(docker);
  },

  async 'volumes.inspect'(args, ctx) {
    return inspectVolume(await ctx.docker(), args.name);
  },

  async 'volumes.create'(args, ctx) {
    const docker = await ctx.docker();
    // dockerode answers with a Volume handle (its `name` is the engine's, random when none was given).
    const created = await docker.createVolume({
      ...(args.name ? { Name: args.name } : {}),
      Driver: args.driver,
      DriverOpts: args.driverOpts,
      Labels: args.labels,
    });
    return inspectVolume(docker, (created as unknown as { name: string }).name);
  },

  async 'volumes.remove'(args, ctx) {
    const docker = await ctx.docker();
    await docker.getVolume(args.name).remove({ force: args.force });
  },

  async 'volumes.prunePreview'(args, ctx) {
    const volumes = await listVolumes(await ctx.docker());
    const doomed = volumes.filter((v) => v.users.length === 0 && (args.all || v.anonymous));
    const preview: VolumePrunePreview = {
      all: args.all,
      volumes: doomed.map((v) => ({ name: v.name, size: v.size, anonymous: v.anonymous })),
      space: doomed.reduce((n, v) => n + (v.size ?? 0), 0),
    };
    return preview;
  },

  async 'volumes.prune'(args, ctx) {
    const docker = await ctx.docker();
    const sizes = new Map((await listVolumes(docker)).map((v) => [v.name, v.size ?? 0]));
    const result: VolumePruneResult = { removed: [], failed: [], spaceReclaimed: 0 };
    for (const name of args.names) {
      try {
        // No force: a volume a container started using since the preview stays.
        await docker.getVolume(name).remove();
        result.removed.push(name);
        result.spaceReclaimed += sizes.get(name) ?? 0;
      } catch (err) {
        const e = toBridgeError(err);
        if (e.status !== 404) result.failed.push({ name, message: e.message, status: e.status });
      }
    }
    if (result.removed.length) {
      ctx.notify({
        title: 'Volumes pruned',
        body: `${result.removed.length} removed, ${formatBytes(result.spaceReclaimed)} freed`,
      });
    }
    return result;
  },

  async 'volumes.browse'(args, ctx) {
    const docker = await ctx.docker();
    const dir = posix.normalize(`/${args.path}`);
    return withHelper(docker, args.name, { readOnly: true }, async (helper) => {
      const archive = (await helper.container.getArchive({ path: helperPath(dir) })) as unknown as Readable;
      return listFromArchive(archive, dir, { limit: VOLUME_LIST_LIMIT, timeoutMs: BROWSE_TIMEOUT_MS });
    });
  },

  async 'volumes.downloadStart'(args, ctx) {
    return VolumeTransfers.of(ctx).startDownload(await ctx.docker(), args.name, args.path, args.format);
  },
  async 'volumes.downloadRead'(args, ctx) {
    return VolumeTransfers.of(ctx).read(args.id);
  },
  async 'volumes.downloadCancel'(args, ctx) {
    await VolumeTransfers.of(ctx).cancelDownload(args.id);
  },

  async 'volumes.importStart'(args, ctx) {
    return VolumeTransfers.of(ctx).startImport(await ctx.docker(), args.name, args.create);
  },
  async 'volumes.importChunk'(args, ctx) {
    return VolumeTransfers.of(ctx).chunk(args.id, args.offset, args.data);
  },
  async 'volumes.importFinish'(args, ctx) {
    return VolumeTransfers.of(ctx).finishImport(await ctx.docker(), args.id);
  },
  async 'volumes.importCancel'(args, ctx) {
    await VolumeTransfers.of(ctx).cancelImport(args.id);
  },
};

export const volumeTopicHandlers: TopicHandlers<typeof volumeTopics> = {};
