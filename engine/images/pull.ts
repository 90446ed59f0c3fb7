import { rm } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import type { AuthConfig } from '../registry/credentials.js';
import type { ResolvedImage } from '../registry/client.js';
import { BlobVerificationError } from '../registry/blob-stream.js';
import type { Descriptor } from '../registry/manifest.js';
import { compressionFromMediaType } from '../store/compression.js';
import { chainIds } from '../store/digest.js';
import type { ImageLayer, ImageRecord } from '../store/image-store.js';
import { InvalidArgumentError, SystemError } from '../errors.js';
import { familiarName, familiarString, fullString, parseReference, type Reference } from './references.js';
import type { ImageConfigFile } from './inspect.js';
import type { Lease } from './leases.js';
import { shortId, type ProgressWriter } from './progress.js';
import { deferred, runLimited } from './limit.js';
import { PullHelper } from './pull-helper-client.js';

/** One helper process for the engine's pulls (see pull-helper-client.ts). */
const helper = new PullHelper();

export interface PullOptions {
  platform?: string;
  auth?: AuthConfig;
  signal?: AbortSignal;
}

/** Builds the reference `POST /images/create` names: `fromImage` plus an optional tag or digest. */
export function pullReference(fromImage: string, tag: string | undefined): Reference {
  if (!fromImage) throw new InvalidArgumentError('fromImage is required');
  if (tag) {
    const base = parseReference(fromImage, { defaultTag: false });
    const joined = tag.includes(':') ? `${fullName(base)}@${tag}` : `${fullName(base)}:${tag}`;
    return parseReference(joined);
  }
  return parseReference(fromImage);
}

function fullName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

export function isRootUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * `docker pull`: resolve the manifest, fetch the config, then download and unpack the missing layers
 * (several at once in the pull helper process, each streamed straight from the socket through the
 * digest check into both the content store and the unpacker: layer-fill.ts), record the image and its
 * references. Writes docker's progress messages. Returns the image.
 */
export async function pullImage(
  engine: Engine,
  ref: Reference,
  progress: ProgressWriter,
  opts: PullOptions = {},
): Promise<ImageRecord> {
  const images = engine.images;
  const lease = images.leases.create();
  // Layers are downloaded by the helper process: let it start while the manifest is resolved.
  helper.warm();
  try {
    const resolved = await engine.registry.resolve(ref, {
      platform: opts.platform,
      auth: opts.auth,
      signal: opts.signal,
    });
    const config = await fetchConfig(engine, resolved, lease, opts);
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (config.rootfs?.type !== 'layers' || diffIds.length !== resolved.layers.length) {
      throw new SystemError(
        `invalid image ${familiarString(ref)}: the config lists ${diffIds.length} layers, the manifest ${resolved.layers.length}`,
      );
    }
    progress.status(`Pulling from ${familiarName(ref)}`, ref.digest ?? ref.tag ?? 'latest');
    await storeManifests(engine, resolved, lease);

    const chain = chainIds(diffIds);
    const layers: ImageLayer[] = [];
    const missing: Array<{ index: number; desc: Descriptor }> = [];
    // dockerd says nothing per layer when the whole image is already here ("Image is up to date").
    const known = engine.imageStore.get(resolved.config.digest) !== undefined;
    resolved.layers.forEach((desc, index) => {
      const id = shortId(desc.digest);
      if (engine.layers.has(chain[index]!)) {
        lease.addLayer(chain[index]!);
        if (!known) progress.status('Already exists', id);
      } else {
        progress.status('Pulling fs layer', id);
        missing.push({ index, desc });
      }
    });
    const limit = engine.config.maxConcurrentDownloads;
    missing.slice(limit).forEach(({ desc }) => progress.status('Waiting', shortId(desc.digest)));

    const controller = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
    // Layers download and unpack in parallel, but "Pull complete" is reported bottom to top, as dockerd does.
    const finished = missing.map(() => deferred());
    const reporter = (async () => {
      for (const [k, { desc }] of missing.entries()) {
        await finished[k]!.promise;
        progress.progress('Extracting', shortId(desc.digest), desc.size, desc.size);
        progress.status('Pull complete', shortId(desc.digest));
      }
    })();
    reporter.catch(() => undefined);
    try {
      await runLimited([...missing.entries()], limit, async ([k, { index, desc }]) => {
        await pullLayer(
          engine,
          resolved,
          desc,
          diffIds[index]!,
          chain[index]!,
          chain[index - 1],
          lease,
          progress,
          {
            ...opts,
            signal,
          },
        );
        finished[k]!.resolve();
      });
      await reporter;
    } catch (err) {
      controller.abort(err);
      for (const f of finished) f.reject(err);
      throw err;
    }

    // Layers whose unpacked form existed: make sure their blobs are kept too (push and save need them).
    await Promise.all(
      resolved.layers.map(async (desc) => {
        if (!(await engine.content.has(desc.digest))) {
          const stream = await engine.registry.fetchBlob(ref, desc, { auth: opts.auth, signal: opts.signal });
          lease.addBlob(desc.digest);
          await engine.content.putStream(stream, desc);
        }
      }),
    );

    resolved.layers.forEach((desc, i) => {
      const rec = engine.layers.get(chain[i]!);
      if (!rec) throw new SystemError(`layer ${chain[i]} vanished during the pull`);
      layers.push({
        digest: desc.digest,
        size: desc.size,
        mediaType: desc.mediaType,
        diffId: diffIds[i]!,
        chainId: chain[i]!,
        unpackedSize: rec.size,
      });
    });
    const image = imageRecord(resolved, config, layers);
    const previous = await recordPull(engine, ref, resolved, image);

    images.emit('pull', familiarString(ref), familiarName(ref));
    progress.write({ status: `Digest: ${resolved.repoDigest}` });
    const upToDate = previous === image.id;
    progress.write({
      status: `Status: ${upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${familiarString(ref)}`,
    });
    return image;
  } finally {
    lease.release();
  }
}

async function fetchConfig(
  engine: Engine,
  r: ResolvedImage,
  lease: Lease,
  opts: PullOptions,
): Promise<ImageConfigFile> {
  lease.addBlob(r.config.digest);
  if (!(await engine.content.has(r.config.digest))) {
    if (r.config.size > 8 << 20) throw new SystemError(`image config ${r.config.digest} is too large`);
    const stream = await engine.registry.fetchBlob(r.ref, r.config, { auth: opts.auth, signal: opts.signal });
    await engine.content.putStream(stream, r.config);
  }
  try {
    return await engine.content.readJSON<ImageConfigFile>(r.config.digest);
  } catch (err) {
    throw new SystemError(`invalid image config ${r.config.digest}: ${(err as Error).message}`);
  }
}

async function storeManifests(engine: Engine, r: ResolvedImage, lease: Lease): Promise<void> {
  lease.addBlob(r.digest);
  await engine.content.put(r.raw, { digest: r.digest });
  if (r.index) {
    lease.addBlob(r.index.digest);
    await engine.content.put(r.index.raw, { digest: r.index.digest });
  }
}

async function pullLayer(
  engine: Engine,
  r: ResolvedImage,
  desc: Descriptor,
  diffId: string,
  chainId: string,
  parent: string | undefined,
  lease: Lease,
  progress: ProgressWriter,
  opts: PullOptions,
): Promise<void> {
  const id = shortId(desc.digest);
  if (!compressionFromMediaType(desc.mediaType)) {
    throw new SystemError(`unsupported layer media type ${desc.mediaType} (${desc.digest})`);
  }
  lease.addBlob(desc.digest);
  lease.addLayer(chainId);
  const root = isRootUser();
  try {
    await engine.layers.create(chainId, diffId, parent, async (dir) => {
      const ingestPath = engine.content.newIngestPath();
      try {
        return await helper.fill(
          {
            dataRoot: engine.dataRoot,
            registry: engine.registry.config,
            hints: engine.registry.hints(),
            ref: r.ref,
            desc: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size },
            auth: opts.auth,
            dir,
            ingestPath,
            overlayXattrNamespace: root ? 'trusted' : 'user',
            applyOwnership: root,
          },
          {
            onProgress: (n) => progress.progress('Downloading', id, n, desc.size),
            onStored: () => {
              progress.status('Verifying Checksum', id);
              progress.status('Download complete', id);
            },
          },
          opts.signal,
        );
      } catch (err) {
        // The helper removes a failed ingest itself, unless it died first.
        await rm(ingestPath, { force: true });
        throw err;
      }
    });
  } catch (err) {
    // dockerd's wording for a layer whose bytes do not match its digest.
    if (err instanceof BlobVerificationError) {
      throw new SystemError(`filesystem layer verification failed for digest ${desc.digest}`);
    }
    throw err;
  }
}

function imageRecord(r: ResolvedImage, config: ImageConfigFile, layers: ImageLayer[]): ImageRecord {
  const seen = new Set<string>();
  let size = 0;
  for (const l of layers) {
    if (seen.has(l.chainId)) continue;
    seen.add(l.chainId);
    size += l.unpackedSize;
  }
  const labels = (config.config?.Labels as Record<string, string> | null | undefined) ?? {};
  const rec: ImageRecord = {
    id: r.config.digest,
    manifestDigest: r.digest,
    manifestMediaType: r.mediaType,
    layers,
    labels,
    os: config.os ?? 'linux',
    architecture: config.architecture ?? '',
    size,
    addedAt: new Date().toISOString(),
  };
  if (r.index) rec.indexDigest = r.index.digest;
  if (config.created) rec.created = config.created;
  if (config.variant) rec.variant = config.variant;
  return rec;
}

/** Stores the image and points the pulled tag (and the repo digest) at it; returns the tag's previous image. */
async function recordPull(
  engine: Engine,
  ref: Reference,
  r: ResolvedImage,
  image: ImageRecord,
): Promise<string | undefined> {
  const digestRef = `${fullName(ref)}@${r.repoDigest}`;
  return engine.imageStore.update((s) => {
    const existing = s.images.get(image.id);
    const tagRef = ref.digest ? undefined : fullString(ref);
    const previous = tagRef ? s.refs.get(tagRef) : s.refs.get(digestRef);
    s.images.set(image.id, {
      ...image,
      addedAt: existing?.addedAt ?? image.addedAt,
      lastTagTime: tagRef ? new Date().toISOString() : existing?.lastTagTime,
    });
    if (tagRef) s.refs.set(tagRef, image.id);
    s.refs.set(digestRef, image.id);
    return previous;
  });
}
