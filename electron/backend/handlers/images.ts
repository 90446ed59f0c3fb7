// Images: list, inspect, history, tag, remove, prune (with a preview), registry logins, and pull/push
// as subscriptions whose unsubscribe cancels the transfer.
import type { ImageDetails, ImageHistoryEntry } from '../../contract/images.js';
import { imageMethods, imageTopics } from '../../contract/images.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { HandlerError } from '../errors.js';
import { listImages, prunePreview } from '../images/catalog.js';
import { listLogins, removeCredentials, saveCredentials } from '../images/credentials.js';
import { formatBytes } from '../format.js';
import { notify } from '../images/notices.js';
import { normalizeRegistry, parseRef, registryKey } from '../images/reference.js';
import { pull, push } from '../images/transfer.js';

/** The parts of ImageInspect we show outside the raw JSON. */
interface RawInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created?: string;
  Size?: number;
  Os?: string;
  Architecture?: string;
  Variant?: string;
  Author?: string;
  Config?: {
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Volumes?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
  } | null;
  RootFS?: { Layers?: string[] };
}

function seconds(created: string | number | undefined): number {
  if (typeof created === 'number') return created;
  if (!created) return 0;
  const t = Date.parse(created);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export const imageMethodHandlers: MethodHandlers<typeof imageMethods> = {
  async 'images.list'(_args, ctx) {
    return listImages(await ctx.docker());
  },

  async 'images.inspect'(args, ctx) {
    const docker = await ctx.docker();
    const [raw, containers] = await Promise.all([
      docker.getImage(args.id).inspect() as Promise<unknown> as Promise<RawInspect>,
      docker.listContainers({ all: true }),
    ]);
    const c = raw.Config ?? {};
    const details: ImageDetails = {
      id: raw.Id,
      repoTags: (raw.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      repoDigests: (raw.RepoDigests ?? []).filter((t) => t !== '<none>@<none>'),
      created: seconds(raw.Created),
      size: raw.Size ?? 0,
      os: raw.Os ?? '',
      architecture: raw.Architecture ?? '',
      ...(raw.Variant ? { variant: raw.Variant } : {}),
      author: raw.Author ?? '',
      config: {
        cmd: c.Cmd ?? [],
        entrypoint: c.Entrypoint ?? [],
        env: c.Env ?? [],
        workingDir: c.WorkingDir ?? '',
        user: c.User ?? '',
        exposedPorts: Object.keys(c.ExposedPorts ?? {}),
        volumes: Object.keys(c.Volumes ?? {}),
        labels: c.Labels ?? {},
      },
      layers: raw.RootFS?.Layers ?? [],
      containers: containers
        .filter((ct) => ct.ImageID === raw.Id)
        .map((ct) => ({ id: ct.Id, name: (ct.Names?.[0] ?? '').replace(/^\//, ''), state: ct.State })),
      raw,
    };
    return details;
  },

  async 'images.history'(args, ctx) {
    const docker = await ctx.docker();
    const entries = (await docker.getImage(args.id).history()) as {
      Id: string;
      Created: number;
      CreatedBy: string;
      Size: number;
      Comment?: string;
      Tags?: string[] | null;
    }[];
    // The engine lists newest first; the UI reads build steps in order.
    return entries
      .map((h): ImageHistoryEntry => ({
        id: h.Id,
        created: h.Created ?? 0,
        createdBy: h.CreatedBy ?? '',
        size: h.Size ?? 0,
        comment: h.Comment ?? '',
        tags: h.Tags ?? [],
      }))
      .reverse();
  },

  async 'images.tag'(args, ctx) {
    const target = parseRef(args.target);
    if (target.digest) {
      throw new HandlerError('a tag cannot contain a digest', 400, 'invalid-argument');
    }
    const tag = target.tag ?? 'latest';
    await (await ctx.docker()).getImage(args.id).tag({ repo: target.name, tag });
    return `${target.name}:${tag}`;
  },

  async 'images.remove'(args, ctx) {
    // A 409 (in use, or tagged in several repositories) reaches the UI with the engine's own words.
    const records = (await (await ctx.docker()).getImage(args.id).remove({ force: args.force })) as {
      Untagged?: string;
      Deleted?: string;
    }[];
    return {
      untagged: records.flatMap((r) => (r.Untagged ? [r.Untagged] : [])),
      deleted: records.flatMap((r) => (r.Deleted ? [r.Deleted] : [])),
    };
  },

  async 'images.prunePreview'(args, ctx) {
    return prunePreview(await ctx.docker(), args.mode);
  },

  async 'images.prune'(args, ctx) {
    const docker = await ctx.docker();
    const before = new Set((await listImages(docker)).map((i) => i.id));
    const report = (await docker.pruneImages({
      filters: { dangling: [args.mode === 'dangling' ? 'true' : 'false'] },
    })) as { ImagesDeleted?: { Untagged?: string; Deleted?: string }[] | null; SpaceReclaimed?: number };
    const records = report.ImagesDeleted ?? [];
    const result = {
      deleted: records.flatMap((r) => (r.Deleted && before.has(r.Deleted) ? [r.Deleted] : [])),
      untagged: records.flatMap((r) => (r.Untagged ? [r.Untagged] : [])),
      spaceReclaimed: report.SpaceReclaimed ?? 0,
    };
    notify(ctx, 'pruneDone', { count: result.deleted.length, size: formatBytes(result.spaceReclaimed) });
    return result;
  },

  async 'images.login'(args, ctx) {
    const registry = normalizeRegistry(args.registry);
    const answer = (await (
      await ctx.docker()
    ).checkAuth({
      username: args.username,
      password: args.password,
      serveraddress: registryKey(registry),
    })) as { Status?: string; IdentityToken?: string };
    const creds = answer.IdentityToken
      ? { username: args.username, identityToken: answer.IdentityToken }
      : { username: args.username, password: args.password };
    const store = args.save ? await saveCredentials(registry, creds) : 'file';
    return { registry, username: args.username, store };
  },

  async 'images.logout'(args) {
    await removeCredentials(normalizeRegistry(args.registry));
  },

  async 'images.logins'() {
    return listLogins();
  },
};

export const imageTopicHandlers: TopicHandlers<typeof imageTopics> = {
  async 'images.pull'(args, ctx, emit, signal) {
    try {
      if (await pull(await ctx.docker(), args, emit, signal)) notify(ctx, 'pullDone', { ref: args.ref });
    } catch (err) {
      if (signal.aborted) return;
      notify(ctx, 'pullFailed', { ref: args.ref, error: (err as Error).message });
      throw err;
    }
  },

  async 'images.push'(args, ctx, emit, signal) {
    try {
      if (await push(await ctx.docker(), args, emit, signal)) notify(ctx, 'pushDone', { ref: args.ref });
    } catch (err) {
      if (signal.aborted) return;
      notify(ctx, 'pushFailed', { ref: args.ref, error: (err as Error).message });
      throw err;
    }
  },
};
