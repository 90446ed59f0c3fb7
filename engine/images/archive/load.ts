/**
 * `docker load`: reads the archive (see archive-reader.ts), works out its images (layout.ts), checks and
 * unpacks every layer, writes a manifest where the archive has none, and only then records all images
 * and tags in one atomic update, so a failure leaves nothing half-recorded. A lease protects what was
 * written meanwhile; on failure it is dropped and garbage collection removes the leftovers.
 */
import type { Readable } from 'node:stream';
import type { Engine } from '../../engine.js';
import { chainIds, isSha256Digest, sha256 } from '../../store/digest.js';
import type { ImageLayer, ImageRecord } from '../../store/image-store.js';
import { SystemError } from '../../errors.js';
import { familiarString, fullString, storedRef } from '../references.js';
import { shortId, type ProgressWriter } from '../progress.js';
import type { ImageConfigFile } from '../inspect.js';
import type { Lease } from '../leases.js';
import { badArchive, readArchive } from './archive-reader.js';
import { loadItems, type LoadItem } from './layout.js';
import {
  MEDIA,
  blobDiffId,
  checkOs,
  dockerLayerMediaType,
  dockerManifest,
  imageRecord,
  recordImages,
  unpackBlob,
} from './records.js';

export interface LoadOptions {
  quiet?: boolean;
  signal?: AbortSignal;
}

export interface LoadedImage {
  id: string;
  tags: string[];
}

/** dockerd's `{"stream": "…"}` lines (the progress writer's message type has no `stream` field). */
function say(progress: ProgressWriter, text: string): void {
  progress.write({ stream: text });
}

export async function loadImages(
  engine: Engine,
  source: Readable,
  progress: ProgressWriter,
  opts: LoadOptions = {},
): Promise<LoadedImage[]> {
  const lease = engine.images.leases.create();
  let ok = false;
  try {
    const files = await readArchive(engine, source, lease, opts.signal);
    const items = await loadItems(engine, files, lease);
    const prepared: Array<{ image: ImageRecord; tags: string[] }> = [];
    const verified = new Set<string>();
    for (const item of items) {
      const image = await prepareImage(engine, item, lease, progress, opts, verified);
      prepared.push({ image, tags: item.tags.map(fullString) });
    }
    const moved = await recordImages(engine, prepared);
    ok = true;

    const loaded: LoadedImage[] = [];
    for (const { image, tags } of prepared) {
      engine.images.emit('load', image.id, image.id);
      for (const tag of tags) {
        const name = familiarString(storedRef(tag));
        const previous = moved.get(tag);
        if (previous) {
          say(
            progress,
            `The image ${name} already exists, renaming the old one with ID ${previous} to empty string\n`,
          );
        }
        say(progress, `Loaded image: ${name}\n`);
      }
      if (tags.length === 0) say(progress, `Loaded image ID: ${image.id}\n`);
      loaded.push({ id: image.id, tags: tags.map((t) => familiarString(storedRef(t))) });
    }
    return loaded;
  } finally {
    lease.release();
    if (!ok) void engine.images.gc().catch(() => undefined);
  }
}

async function readConfig(engine: Engine, digest: string): Promise<ImageConfigFile> {
  let config: ImageConfigFile;
  try {
    config = await engine.content.readJSON<ImageConfigFile>(digest);
  } catch (err) {
    throw badArchive(`image config ${digest}: ${(err as Error).message}`);
  }
  if (!config || typeof config !== 'object') throw badArchive(`image config ${digest} is not an object`);
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isSha256Digest(d))) {
    throw badArchive(`image config ${digest} has no valid rootfs.diff_ids`);
  }
  return config;
}

/** Checks and unpacks one image's layers; returns its record (not yet stored). */
async function prepareImage(
  engine: Engine,
  item: LoadItem,
  lease: Lease,
  progress: ProgressWriter,
  opts: LoadOptions,
  verified: Set<string>,
): Promise<ImageRecord> {
  lease.addBlob(item.configDigest);
  const config = await readConfig(engine, item.configDigest);
  checkOs(config.os);
  const diffIds = config.rootfs!.diff_ids;
  if (diffIds.length !== item.layers.length) {
    throw badArchive(
      `invalid manifest, layers length mismatch: expected ${item.layers.length}, got ${diffIds.length}`,
    );
  }
  const chain = chainIds(diffIds);
  const layers: ImageLayer[] = [];
  for (const [i, layer] of item.layers.entries()) {
    const diffId = diffIds[i]!;
    const chainId = chain[i]!;
    lease.addBlob(layer.digest);
    lease.addLayer(chainId);
    const stored = await engine.content.size(layer.digest);
    if (stored === undefined) throw badArchive(`layer blob ${layer.digest} is missing from the archive`);
    if (stored !== layer.size)
      throw badArchive(`layer blob ${layer.digest} is ${stored} bytes, its manifest says ${layer.size}`);
    const id = shortId(diffId);
    let rec = engine.layers.get(chainId);
    if (rec) {
      // The layer exists; make sure this blob really is its content before recording the pair.
      if (!verified.has(`${layer.digest} ${diffId}`) && !knownPair(engine, layer.digest, diffId)) {
        const actual = await blobDiffId(engine, layer.digest, layer.compression);
        if (actual !== diffId) {
          throw new SystemError(`invalid diffID for layer ${i}: expected "${diffId}", got "${actual}"`);
        }
      }
    } else {
      if (!opts.quiet) progress.progress('Loading layer', id, 0, layer.size);
      rec = await unpackBlob(
        engine,
        lease,
        { digest: layer.digest, compression: layer.compression },
        diffId,
        chainId,
        chain[i - 1],
        opts.signal,
      );
      if (!opts.quiet) progress.progress('Loading layer', id, layer.size, layer.size);
    }
    verified.add(`${layer.digest} ${diffId}`);
    layers.push({
      digest: layer.digest,
      size: layer.size,
      mediaType: layer.mediaType ?? dockerLayerMediaType(layer.compression),
      diffId,
      chainId,
      unpackedSize: rec.size,
    });
  }
  let manifest = item.manifest;
  if (!manifest) {
    const configSize = (await engine.content.size(item.configDigest))!;
    const bytes = dockerManifest({ digest: item.configDigest, size: configSize }, layers);
    const digest = sha256(bytes);
    lease.addBlob(digest);
    await engine.content.put(bytes, { digest });
    manifest = { digest, mediaType: MEDIA.dockerManifest };
  }
  lease.addBlob(manifest.digest);
  return imageRecord(item.configDigest, manifest, config, layers);
}

/** True when some stored image already pairs this blob with this diff ID (so it was verified then). */
function knownPair(engine: Engine, digest: string, diffId: string): boolean {
  return engine.imageStore
    .all()
    .some((img) => img.layers.some((l) => l.digest === digest && l.diffId === diffId));
}
