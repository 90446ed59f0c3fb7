import type { Engine } from '../engine.js';
import type { AuthConfig } from '../registry/credentials.js';
import { NotFoundError, SystemError } from '../errors.js';
import { familiarName, fullString, parseReference, storedRef, type Reference } from './references.js';
import { shortId, type ProgressWriter } from './progress.js';
import { runLimited } from './limit.js';
import type { ImageRecord } from '../store/image-store.js';

export interface PushOptions {
  auth?: AuthConfig;
  signal?: AbortSignal;
}

/** The tags `docker push NAME[:TAG]` sends: one tag, or every tag of the repository when none is given. */
export function pushTargets(engine: Engine, name: string, tag: string | undefined): Reference[] {
  const base = parseReference(name, { defaultTag: false });
  if (base.digest) throw new SystemError('cannot push a digest reference');
  if (tag || base.tag) return [parseReference(`${base.domain}/${base.path}:${tag || base.tag}`)];
  const repo = `${base.domain}/${base.path}`;
  const refs = engine.imageStore
    .refEntries()
    .map(([r]) => storedRef(r))
    .filter((r) => !r.digest && `${r.domain}/${r.path}` === repo);
  if (refs.length === 0)
    throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(base)}`);
  return refs.sort((a, b) => (a.tag ?? '').localeCompare(b.tag ?? ''));
}

/** `docker push`: upload missing layers (mounting across repositories where possible), the config, the manifest. */
export async function pushImage(
  engine: Engine,
  ref: Reference,
  progress: ProgressWriter,
  opts: PushOptions = {},
): Promise<void> {
  const id = engine.imageStore.refTarget(fullString(ref));
  const image = id ? engine.imageStore.get(id) : undefined;
  if (!image) throw new NotFoundError(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  progress.write({ status: `The push refers to repository [${familiarName(ref)}]` });
  await pushImageContent(engine, ref, image, progress, opts);

  const manifest = await engine.content.read(image.manifestDigest);
  const digest = await engine.registry.putManifest(ref, ref.tag!, image.manifestMediaType, manifest, {
    auth: opts.auth,
    signal: opts.signal,
  });
  const digestRef = `${ref.domain}/${ref.path}@${digest}`;
  await engine.imageStore.update((s) => {
    if (s.images.has(image.id)) s.refs.set(digestRef, image.id);
  });
  engine.images.emit('push', `${familiarName(ref)}:${ref.tag}`, familiarName(ref));
  progress.write({ status: `${ref.tag}: digest: ${digest} size: ${manifest.length}` });
  progress.write({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifest.length } });
}

async function pushImageContent(
  engine: Engine,
  ref: Reference,
  image: ImageRecord,
  progress: ProgressWriter,
  opts: PushOptions,
): Promise<void> {
  const layers = image.layers.filter((l, i, all) => all.findIndex((x) => x.digest === l.digest) === i);
  for (const l of layers) progress.status('Preparing', shortId(l.diffId));
  const limit = engine.config.maxConcurrentUploads;
  layers.slice(limit).forEach((l) => progress.status('Waiting', shortId(l.diffId)));
  // Other repositories on the same registry that have the same blobs: a mount avoids the upload.
  const mountSources = engine.imageStore
    .refEntries()
    .filter(([, target]) => target === image.id)
    .map(([r]) => storedRef(r))
    .filter((r) => r.domain === ref.domain && r.path !== ref.path);

  await runLimited([...layers].reverse(), limit, async (layer) => {
    const id = shortId(layer.diffId);
    const desc = { digest: layer.digest, size: layer.size };
    if (await engine.registry.blobExists(ref, layer.digest, opts)) {
      progress.status('Layer already exists', id);
      return;
    }
    for (const from of mountSources) {
      if (await engine.registry.mountBlob(ref, layer.digest, from.path, opts)) {
        // dockerd names the source by its repository path (`library/busybox`).
        progress.status(`Mounted from ${from.path}`, id);
        return;
      }
    }
    if (!(await engine.content.has(layer.digest))) {
      throw new SystemError(`layer ${layer.digest} of ${image.id} is missing from the content store`);
    }
    await engine.registry.uploadBlob(ref, desc, () => engine.content.openRead(layer.digest), {
      ...opts,
      onProgress: (n) => progress.progress('Pushing', id, n, layer.size),
    });
    progress.status('Pushed', id);
  });

  const configSize = (await engine.content.size(image.id)) ?? 0;
  if (!(await engine.registry.blobExists(ref, image.id, opts))) {
    await engine.registry.uploadBlob(
      ref,
      { digest: image.id, size: configSize },
      () => engine.content.openRead(image.id),
      opts,
    );
  }
}
