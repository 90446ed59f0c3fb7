import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { boolParam, parseFilters, readJSON, sendEmpty, sendJSON } from '../http.js';
import { InvalidArgumentError } from '../../errors.js';
import { parseCreateBody } from '../../containers/config.js';
import { containerInspect, containerSummary } from '../../containers/views.js';
import { LIST_FILTERS, listContainers } from '../../containers/list.js';
import { directorySize } from '../../store/disk-usage.js';
import { rootfsPaths } from '../../containers/rootfs.js';
import { excludeLabels, matchLabels, parseTimestamp } from '../../filters.js';
import { repoTagsAndDigests } from '../../images/references.js';
import type { ContainerRecord } from '../../containers/store.js';
import { join } from 'node:path';

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`invalid value for ${name}: ${v}`);
  return Number(v);
}

export function containerRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;

  const sizes = async (rec: ContainerRecord) => {
    const rw = await directorySize(rootfsPaths(containers.store.dir(rec.id)).upper);
    const img = engine.imageStore.get(rec.imageId);
    return { rw, rootFs: rw + (img?.size ?? 0) };
  };

  router.post('/containers/create', async (ctx) => {
    const body = parseCreateBody(await readJSON(ctx.req));
    const platform = ctx.query.get('platform');
    if (platform && !/^linux(\/|$)/.test(platform))
      throw new InvalidArgumentError(`unsupported platform ${platform}`);
    sendJSON(ctx.res, 201, await containers.create(ctx.query.get('name') || undefined, body));
  });

  router.get('/containers/json', async (ctx) => {
    const filters = parseFilters(ctx.query, LIST_FILTERS);
    const list = listContainers(
      containers.store.all(),
      filters,
      { all: boolParam(ctx.query, 'all'), limit: intParam(ctx.query, 'limit') ?? -1 },
      {
        resolve: (v) => containers.resolve(v),
        ancestorIds: (v) => {
          try {
            return new Set([engine.images.resolve(v).image.id]);
          } catch {
            return new Set();
          }
        },
      },
    );
    const withSize = boolParam(ctx.query, 'size');
    const out = [];
    for (const rec of list) {
      const img = engine.imageStore.get(rec.imageId);
      const tags = img ? repoTagsAndDigests(engine.imageStore.refsOf(img.id)).tags : [];
      // dockerd shows the name the user gave if it still points at the image, else the ID.
      let shown = rec.image;
      if (!img) shown = rec.imageId;
      else if (
        !tags.some((t) => t === rec.image || t === `${rec.image}:latest`) &&
        !rec.imageId.includes(rec.image)
      ) {
        shown = tags[0] ?? rec.imageId;
      }
      out.push(containerSummary(rec, shown, withSize ? await sizes(rec) : undefined));
    }
    sendJSON(ctx.res, 200, out);
  });

  router.get('/containers/([^/]+)/json', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const dir = containers.store.dir(rec.id);
    const img = engine.imageStore.get(rec.imageId);
    const lowers = img ? [...img.layers].reverse().map((l) => engine.layers.diffPath(l.chainId)) : [];
    const paths = rootfsPaths(dir);
    sendJSON(
      ctx.res,
      200,
      containerInspect(rec, {
        logPath: containers.logPath(rec),
        files: {
          hosts: join(dir, 'hosts'),
          resolv: join(dir, 'resolv.conf'),
          hostname: join(dir, 'hostname'),
        },
        graphDriver: {
          Name: 'overlayfs',
          Data: {
            LowerDir: lowers.join(':'),
            UpperDir: paths.upper,
            WorkDir: paths.work,
            MergedDir: paths.merged,
          },
        },
        sizes: boolParam(ctx.query, 'size') ? await sizes(rec) : undefined,
      }),
    );
  });

  router.post('/containers/([^/]+)/start', async (ctx) => {
    const result = await containers.start(ctx.params[0]!);
    sendEmpty(ctx.res, result === 'already' ? 304 : 204);
  });

  const stopOpts = (q: URLSearchParams) => ({
    signal: q.get('signal') || undefined,
    timeout: intParam(q, 't') ?? intParam(q, 'timeout'),
  });

  router.post('/containers/([^/]+)/stop', async (ctx) => {
    const result = await containers.stop(ctx.params[0]!, stopOpts(ctx.query));
    sendEmpty(ctx.res, result === 'already' ? 304 : 204);
  });

  router.post('/containers/([^/]+)/restart', async (ctx) => {
    await containers.restart(ctx.params[0]!, stopOpts(ctx.query));
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/([^/]+)/kill', async (ctx) => {
    await containers.kill(ctx.params[0]!, ctx.query.get('signal') || undefined);
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/([^/]+)/pause', async (ctx) => {
    await containers.pause(ctx.params[0]!);
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/([^/]+)/unpause', async (ctx) => {
    await containers.unpause(ctx.params[0]!);
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/([^/]+)/wait', async (ctx) => {
    const condition = ctx.query.get('condition') ?? '';
    const rec = containers.resolve(ctx.params[0]!);
    const controller = new AbortController();
    ctx.res.on('close', () => controller.abort());
    // Headers go out at once so clients know the wait is registered (docker run relies on it).
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.flushHeaders();
    try {
      const result = await containers.wait(rec.id, condition, controller.signal);
      ctx.res.end(JSON.stringify(result) + '\n');
    } catch (err) {
      ctx.res.end(JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } }) + '\n');
    }
  });

  router.post('/containers/([^/]+)/rename', async (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw new InvalidArgumentError('name is required');
    await containers.rename(ctx.params[0]!, name);
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/([^/]+)/update', async (ctx) => {
    const body = (await readJSON<Record<string, unknown>>(ctx.req)) ?? {};
    sendJSON(ctx.res, 200, await containers.update(ctx.params[0]!, body));
  });

  router.delete('/containers/([^/]+)', async (ctx) => {
    await containers.remove(ctx.params[0]!, {
      force: boolParam(ctx.query, 'force'),
      volumes: boolParam(ctx.query, 'v'),
    });
    sendEmpty(ctx.res, 204);
  });

  router.post('/containers/prune', async (ctx) => {
    const filters = parseFilters(ctx.query, ['until', 'label', 'label!']);
    const until = filters.get('until')?.map((v) => parseTimestamp(v));
    const labels = filters.get('label');
    const notLabels = filters.get('label!');
    const report = await containers.prune((rec) => {
      const l = (rec.config.Labels as Record<string, string>) ?? {};
      if (until && !until.every((t) => Date.parse(rec.created) < t)) return false;
      if (!matchLabels(l, labels)) return false;
      if (!excludeLabels(l, notLabels)) return false;
      return true;
    });
    sendJSON(ctx.res, 200, report);
  });
}
