import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { boolParam, parseFilters, sendJSON, versionAtLeast, type RequestContext } from '../http.js';
import {
  imageFilter,
  imageSummary,
  createdSeconds,
  matchingRefs,
  type ViewOptions,
} from '../../images/views.js';
import { imageHistory, imageInspect, type ImageConfigFile } from '../../images/inspect.js';
import { pruneImages } from '../../images/prune.js';
import type { ImageRecord } from '../../store/image-store.js';
import { InvalidArgumentError } from '../../errors.js';
import { directorySize } from '../../store/disk-usage.js';
import { rootfsPaths } from '../../containers/rootfs.js';
import { containerSummary } from '../../containers/views.js';

function viewOptions(ctx: RequestContext): ViewOptions {
  return { legacyNone: !versionAtLeast(ctx, '1.43'), virtualSize: !versionAtLeast(ctx, '1.44') };
}

/** Layer sizes shared between images: a layer used by more than one image counts as shared. */
export function sharedSizes(images: readonly ImageRecord[]): Map<string, number> {
  const users = new Map<string, number>();
  for (const img of images)
    for (const l of new Set(img.layers.map((x) => x.chainId))) users.set(l, (users.get(l) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const img of images) {
    let shared = 0;
    const seen = new Set<string>();
    for (const l of img.layers) {
      if (seen.has(l.chainId)) continue;
      seen.add(l.chainId);
      if ((users.get(l.chainId) ?? 0) > 1) shared += l.unpackedSize;
    }
    out.set(img.id, shared);
  }
  return out;
}

export function imageRoutes(router: Router, engine: Engine): void {
  const images = engine.images;

  const readConfig = (img: ImageRecord) => engine.content.readJSON<ImageConfigFile>(img.id);

  router.get('/images/json', (ctx) => {
    const allowed = ['before', 'dangling', 'label', 'reference', 'since', 'until'];
    const filters = parseFilters(ctx.query, allowed);
    // `filter` (singular) was removed in API 1.41; older clients may still send it.
    const legacy = ctx.query.get('filter');
    if (legacy && !versionAtLeast(ctx, '1.41')) filters.set('reference', [legacy]);
    const refsByImage = images.store.refsByImage();
    const refsOf = (id: string) => refsByImage.get(id) ?? [];
    const patterns = filters.get('reference');
    // With a reference filter dockerd shows only the matching tags and digests of each image.
    const shownRefs = (id: string) => (patterns ? matchingRefs(refsOf(id), patterns) : refsOf(id));
    const createdOf = (ref: string) => createdSeconds(images.resolve(ref).image) * 1000;
    const keep = imageFilter(filters, createdOf, refsOf);
    const withShared = boolParam(ctx.query, 'shared-size');
    const all = images.store.all();
    const shared = withShared ? sharedSizes(all) : undefined;
    const opts = viewOptions(ctx);
    const list = all
      .filter(keep)
      .sort((a, b) => createdSeconds(b) - createdSeconds(a) || a.id.localeCompare(b.id))
      .map((img) => imageSummary(img, shownRefs(img.id), opts, { sharedSize: shared?.get(img.id) }));
    sendJSON(ctx.res, 200, list);
  });

  router.get('/images/(.+)/json', async (ctx) => {
    const { image } = images.resolve(ctx.params[0]!);
    const config = await readConfig(image);
    const layers = image.layers.map((l) => engine.layers.diffPath(l.chainId)).reverse();
    sendJSON(
      ctx.res,
      200,
      imageInspect(image, images.store.refsOf(image.id), config, {
        legacyConfig: !versionAtLeast(ctx, '1.50'),
        virtualSize: !versionAtLeast(ctx, '1.44'),
        containerFields: !versionAtLeast(ctx, '1.45'),
        graphDriver: {
          Name: 'overlayfs',
          Data: layers.length
            ? { UpperDir: layers[0]!, ...(layers.length > 1 ? { LowerDir: layers.slice(1).join(':') } : {}) }
            : null,
        },
      }),
    );
  });

  router.get('/images/(.+)/history', async (ctx) => {
    const { image } = images.resolve(ctx.params[0]!);
    sendJSON(ctx.res, 200, imageHistory(image, images.store.refsOf(image.id), await readConfig(image)));
  });

  router.post('/images/(.+)/tag', async (ctx) => {
    const repo = ctx.query.get('repo') ?? '';
    const tag = ctx.query.get('tag') ?? undefined;
    if (!repo) throw new InvalidArgumentError('repository name must have at least one component');
    await images.tag(ctx.params[0]!, repo, tag || undefined);
    ctx.res.writeHead(201);
    ctx.res.end();
  });

  router.delete('/images/(.+)', async (ctx) => {
    const records = await images.remove(ctx.params[0]!, {
      force: boolParam(ctx.query, 'force'),
      noprune: boolParam(ctx.query, 'noprune'),
    });
    sendJSON(ctx.res, 200, records);
  });

  router.post('/images/prune', async (ctx) => {
    const filters = parseFilters(ctx.query, ['dangling', 'label', 'label!', 'until']);
    sendJSON(ctx.res, 200, await pruneImages(images, filters));
  });

  router.get('/system/df', async (ctx) => {
    const types = ctx.query.getAll('type');
    const want = (t: string) => types.length === 0 || types.includes(t);
    const all = images.store.all();
    const shared = sharedSizes(all);
    const refsByImage = images.store.refsByImage();
    const opts = viewOptions(ctx);
    const layersSize = engine.layers.all().reduce((n, l) => n + l.size, 0);
    const body: Record<string, unknown> = {};
    if (want('image')) {
      body.LayersSize = layersSize;
      body.Images = all
        .sort((a, b) => createdSeconds(b) - createdSeconds(a))
        .map((img) => {
          const u = images.usage(img.id);
          return imageSummary(img, refsByImage.get(img.id) ?? [], opts, {
            containers: u.running.length + u.stopped.length,
            sharedSize: shared.get(img.id) ?? 0,
          });
        });
    }
    if (want('container')) {
      const list = [];
      for (const rec of engine.containerStore
        .all()
        .sort((a, b) => Date.parse(b.created) - Date.parse(a.created))) {
        const rw = await directorySize(rootfsPaths(engine.containerStore.dir(rec.id)).upper);
        const img = engine.imageStore.get(rec.imageId);
        list.push(containerSummary(rec, rec.image, { rw, rootFs: rw + (img?.size ?? 0) }));
      }
      body.Containers = list;
    }
    if (want('volume')) body.Volumes = await engine.volumes.dfVolumes();
    if (want('build-cache')) body.BuildCache = [];
    sendJSON(ctx.res, 200, body);
  });
}
