/**
 * Pieces import and load share: layer media types, unpacking a stored blob into the layer store,
 * manifests for images that arrive without one, and image records shaped like a pull's.
 */
import { open } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Engine } from '../../engine.js';
import { decompress, detectCompression, type Compression } from '../../store/compression.js';
import { unpackLayer } from '../../store/unpack.js';
import { newHash } from '../../store/digest.js';
import type { LayerRecord } from '../../store/layer-store.js';
import type { ImageLayer, ImageRecord } from '../../store/image-store.js';
import { SystemError } from '../../errors.js';
import { isRootUser } from '../pull.js';
import type { ImageConfigFile } from '../inspect.js';
import type { Lease } from '../leases.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** The Docker media type for a layer blob of the given compression (what a written manifest names). */
export function dockerLayerMediaType(c: Compression): string {
  if (c === 'gzip') return 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  if (c === 'zstd') return 'application/vnd.docker.image.rootfs.diff.tar.zstd';
  return 'application/vnd.docker.image.rootfs.diff.tar';
}

/** Sniffs a stored blob's compression from its first bytes. */
export async function blobCompression(engine: Engine, digest: string): Promise<Compression> {
  const fh = await open(engine.content.path(digest), 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return detectCompression(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The uncompressed tar of a stored layer blob, as a stream (errors of either side surface on it). */
export function openLayerTar(engine: Engine, digest: string, compression: Compression): Readable {
  const source = engine.content.openRead(digest);
  const tar = decompress(compression);
  source.on('error', (err) => tar.destroy(err));
  tar.on('close', () => source.destroy());
  return source.pipe(tar);
}

/** A pass-through that hashes and counts what flows through it. */
export class HashTap extends Transform {
  private readonly hash = newHash();
  bytes = 0;
  private result: string | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  get digest(): string {
    this.result ??= 'sha256:' + this.hash.digest('hex');
    return this.result;
  }
}

/** Unpacks the stored blob `digest` as layer `chainId` unless that layer exists; the lease holds it. */
export async function unpackBlob(
  engine: Engine,
  lease: Lease,
  blob: { digest: string; compression: Compression },
  diffId: string,
  chainId: string,
  parent: string | undefined,
  signal?: AbortSignal,
): Promise<LayerRecord> {
  lease.addLayer(chainId);
  const root = isRootUser();
  return engine.layers.create(chainId, diffId, parent, (dir) =>
    unpackLayer(openLayerTar(engine, blob.digest, blob.compression), dir, {
      overlayXattrNamespace: root ? 'trusted' : 'user',
      applyOwnership: root,
      signal,
    }),
  );
}

/** Hashes the uncompressed content of a stored blob (to check a blob against a diff ID). */
export async function blobDiffId(engine: Engine, digest: string, compression: Compression): Promise<string> {
  const hash = newHash();
  for await (const chunk of openLayerTar(engine, digest, compression)) hash.update(chunk as Buffer);
  return 'sha256:' + hash.digest('hex');
}

/** A Docker schema2 manifest for a config and its layer blobs. */
export function dockerManifest(
  config: { digest: string; size: number },
  layers: ReadonlyArray<{ digest: string; size: number; mediaType: string }>,
): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.dockerManifest,
    config: { mediaType: MEDIA.dockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  };
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

/** An image record in the shape pull writes. */
export function imageRecord(
  id: string,
  manifest: { digest: string; mediaType: string },
  config: ImageConfigFile,
  layers: ImageLayer[],
): ImageRecord {
  const seen = new Set<string>();
  let size = 0;
  for (const l of layers) {
    if (seen.has(l.chainId)) continue;
    seen.add(l.chainId);
    size += l.unpackedSize;
  }
  const rec: ImageRecord = {
    id,
    manifestDigest: manifest.digest,
    manifestMediaType: manifest.mediaType,
    layers,
    labels: (config.config?.Labels as Record<string, string> | null | undefined) ?? {},
    os: config.os ?? 'linux',
    architecture: config.architecture ?? '',
    size,
    addedAt: new Date().toISOString(),
  };
  if (config.created) rec.created = config.created;
  if (config.variant) rec.variant = config.variant;
  return rec;
}

/**
 * Stores images and points tags (full references) at them in one atomic update. An image that
 * already exists keeps its `addedAt`. Returns, per tag, the image it pointed at before (if another).
 */
export async function recordImages(
  engine: Engine,
  items: ReadonlyArray<{ image: ImageRecord; tags: readonly string[] }>,
): Promise<Map<string, string>> {
  const now = new Date().toISOString();
  return engine.imageStore.update((s) => {
    const moved = new Map<string, string>();
    for (const { image, tags } of items) {
      const existing = s.images.get(image.id);
      s.images.set(image.id, {
        ...image,
        addedAt: existing?.addedAt ?? image.addedAt,
        lastTagTime: tags.length > 0 ? now : existing?.lastTagTime,
      });
      for (const tag of tags) {
        const previous = s.refs.get(tag);
        if (previous && previous !== image.id) moved.set(tag, previous);
        s.refs.set(tag, image.id);
      }
    }
    return moved;
  });
}

/** Throws unless the image's OS can run here (dockerd's wording). */
export function checkOs(os: string | undefined): void {
  if (os && os !== 'linux') throw new SystemError(`cannot load ${os} image on linux`);
}
