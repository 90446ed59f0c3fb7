/**
 * `docker import`: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image. The body
 * streams once through the decompressor, a diff-ID hash and gzip into the content store; the stored
 * blob is then unpacked into the layer store, and a config and Docker manifest are written for it.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Engine } from '../../engine.js';
import type { ProgressWriter } from '../progress.js';
import { InvalidArgumentError } from '../../errors.js';
import { autoDecompress, compress } from '../../store/compression.js';
import { sha256 } from '../../store/digest.js';
import { hostPlatform, parsePlatform } from '../../registry/platform.js';
import { familiarString, fullString, parseReference, type Reference } from '../references.js';
import type { ImageConfigFile } from '../inspect.js';
import { applyChanges } from './changes.js';
import {
  HashTap,
  dockerLayerMediaType,
  dockerManifest,
  imageRecord,
  recordImages,
  unpackBlob,
  MEDIA,
} from './records.js';

export interface ImportOptions {
  /** `-` for the request body, else a URL (not supported: Berth never fetches arbitrary URLs). */
  fromSrc: string;
  repo: string;
  tag: string;
  message: string;
  changes: string[];
  platform: string;
}

/** The reference `repo` + `tag` name (tag defaults to latest), or undefined without a repo. */
export function importReference(repo: string, tag: string): Reference | undefined {
  if (!repo) return undefined;
  let ref: Reference;
  try {
    ref = parseReference(tag ? `${repo}:${tag}` : repo);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (ref.digest) throw new InvalidArgumentError('cannot import digest reference');
  return ref;
}

/** `docker import`: returns the new image ID. Writes `{"status":"sha256:…"}` when done. */
export async function importImage(
  engine: Engine,
  source: Readable,
  opts: ImportOptions,
  progress: ProgressWriter,
): Promise<string> {
  if (opts.fromSrc !== '-') {
    throw new InvalidArgumentError(
      `importing from ${JSON.stringify(opts.fromSrc)} is not supported: Berth does not fetch remote URLs; download the file and run \`docker import FILE\` or pipe it to \`docker import -\``,
    );
  }
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  if (platform.os !== 'linux')
    throw new InvalidArgumentError(`operating system is not supported: ${platform.os}`);
  const ref = importReference(opts.repo, opts.tag);
  // Validate everything about the request before reading the (possibly huge) body.
  const containerConfig = applyChanges({}, opts.changes);

  const lease = engine.images.leases.create();
  let ok = false;
  try {
    const diff = new HashTap();
    const blob = new HashTap();
    const ingest = engine.content.ingest();
    try {
      await pipeline(source, autoDecompress(), diff, compress('gzip'), blob, ingest);
    } catch (err) {
      await ingest.abort();
      throw new InvalidArgumentError(`failed to read the archive: ${(err as Error).message}`);
    }
    // Lease the blob before it becomes visible, so a concurrent GC cannot take it.
    lease.addBlob(blob.digest);
    const blobDigest = await ingest.commit();
    const diffId = diff.digest;

    const layer = await unpackBlob(
      engine,
      lease,
      { digest: blobDigest, compression: 'gzip' },
      diffId,
      diffId,
      undefined,
    );

    const created = new Date().toISOString();
    const config: ImageConfigFile = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      created,
      ...(opts.message ? { comment: opts.message } : {}),
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created, created_by: '', comment: opts.message || 'Imported from -' }],
    };
    const configBytes = Buffer.from(JSON.stringify(config));
    const id = sha256(configBytes);
    lease.addBlob(id);
    await engine.content.put(configBytes, { digest: id });

    const mediaType = dockerLayerMediaType('gzip');
    const manifestBytes = dockerManifest({ digest: id, size: configBytes.length }, [
      { digest: blobDigest, size: blob.bytes, mediaType },
    ]);
    const manifestDigest = sha256(manifestBytes);
    lease.addBlob(manifestDigest);
    await engine.content.put(manifestBytes, { digest: manifestDigest });

    const image = imageRecord(id, { digest: manifestDigest, mediaType: MEDIA.dockerManifest }, config, [
      { digest: blobDigest, size: blob.bytes, mediaType, diffId, chainId: diffId, unpackedSize: layer.size },
    ]);
    await recordImages(engine, [{ image, tags: ref ? [fullString(ref)] : [] }]);
    engine.images.emit('import', id, id);
    if (ref) engine.images.emit('tag', id, familiarString(ref));
    ok = true;
    progress.write({ status: id });
    return id;
  } finally {
    lease.release();
    // Whatever a failed import stored is now unreferenced: let GC take it.
    if (!ok) void engine.images.gc().catch(() => undefined);
  }
}
