/**
 * `docker save`: a tar in docker v25+'s layout — an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/…` holding each image's manifest, config and layer blobs exactly as stored) plus the
 * legacy `manifest.json` and `repositories` older tools read. Names are resolved (and every blob checked)
 * before the first byte goes out, so an unknown name is still a clean HTTP 404.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { Engine } from '../../engine.js';
import type { ImageRecord } from '../../store/image-store.js';
import { hexOf } from '../../store/digest.js';
import { InvalidArgumentError, NotFoundError, SystemError } from '../../errors.js';
import { isIdPrefix } from '../../reference/index.js';
import {
  familiarName,
  familiarString,
  fullString,
  parseReference,
  storedRef,
  type Reference,
} from '../references.js';

export interface SaveImage {
  image: ImageRecord;
  /** The tags to write for it (only those the names asked for, as dockerd does). */
  tags: Reference[];
}

export interface SavePlan {
  images: SaveImage[];
  /** Every blob to write, with its size, in archive order. */
  blobs: Array<{ digest: string; size: number }>;
}

const EPOCH = new Date(0);

/**
 * Resolves names the way dockerd's save does: an ID or digest reference saves the image untagged, a
 * tag saves it with that tag, and a bare repository name saves every tag of that repository.
 */
export async function planSave(engine: Engine, names: readonly string[]): Promise<SavePlan> {
  if (names.length === 0) throw new InvalidArgumentError('no images specified');
  const byId = new Map<string, SaveImage>();
  const add = (image: ImageRecord, tag?: Reference) => {
    let entry = byId.get(image.id);
    if (!entry) byId.set(image.id, (entry = { image, tags: [] }));
    if (tag && !entry.tags.some((t) => fullString(t) === fullString(tag))) entry.tags.push(tag);
  };
  for (const name of names) {
    let ref: Reference | undefined;
    if (!name.startsWith('sha256:')) {
      try {
        ref = parseReference(name, { defaultTag: false });
      } catch (err) {
        if (!isIdPrefix(name)) throw new InvalidArgumentError((err as Error).message);
      }
    }
    if (!ref || ref.digest) {
      add(engine.images.resolve(name).image);
      continue;
    }
    if (ref.tag) {
      const id = engine.imageStore.refTarget(fullString(ref));
      const image = id ? engine.imageStore.get(id) : undefined;
      if (!image) throw new NotFoundError(`No such image: ${name}`);
      add(image, ref);
      continue;
    }
    const repo = `${ref.domain}/${ref.path}`;
    const tagged = engine.imageStore
      .refEntries()
      .map(([r, id]) => ({ ref: storedRef(r), id }))
      .filter(({ ref: r }) => !r.digest && `${r.domain}/${r.path}` === repo)
      .sort((a, b) => (a.ref.tag ?? '').localeCompare(b.ref.tag ?? ''));
    if (tagged.length === 0) {
      add(engine.images.resolve(name).image);
      continue;
    }
    for (const t of tagged) {
      const image = engine.imageStore.get(t.id);
      if (image) add(image, t.ref);
    }
  }
  const images = [...byId.values()];
  const blobs = new Map<string, number>();
  for (const { image } of images) {
    for (const digest of [image.manifestDigest, image.id, ...image.layers.map((l) => l.digest)]) {
      if (blobs.has(digest)) continue;
      const size = await engine.content.size(digest);
      if (size === undefined) {
        throw new SystemError(
          `image ${image.id}: content ${digest} is missing from the store; pull the image again`,
        );
      }
      blobs.set(digest, size);
    }
  }
  const sorted = [...blobs.entries()].sort(([a], [b]) => a.localeCompare(b));
  return { images, blobs: sorted.map(([digest, size]) => ({ digest, size })) };
}

const blobPath = (digest: string) => `blobs/sha256/${hexOf(digest)}`;

/** The `index.json`, `manifest.json` and `repositories` documents for a plan. */
export function layoutDocuments(plan: SavePlan): { index: string; manifest: string; repositories?: string } {
  const descriptors: object[] = [];
  const manifest: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, tags } of plan.images) {
    const platform: Record<string, string> = { architecture: image.architecture, os: image.os };
    if (image.variant) platform.variant = image.variant;
    const base = {
      mediaType: image.manifestMediaType,
      digest: image.manifestDigest,
      size: plan.blobs.find((b) => b.digest === image.manifestDigest)!.size,
      platform,
    };
    if (tags.length === 0) descriptors.push(base);
    for (const tag of tags) {
      descriptors.push({
        ...base,
        annotations: {
          'io.containerd.image.name': fullString(tag),
          'org.opencontainers.image.ref.name': tag.tag!,
        },
      });
      const top = image.layers[image.layers.length - 1];
      if (top) (repositories[familiarName(tag)] ??= {})[tag.tag!] = hexOf(top.digest);
    }
    manifest.push({
      Config: blobPath(image.id),
      RepoTags: tags.length > 0 ? tags.map(familiarString) : null,
      Layers: image.layers.map((l) => blobPath(l.digest)),
    });
  }
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: descriptors,
  };
  return {
    index: JSON.stringify(index),
    manifest: JSON.stringify(manifest) + '\n',
    repositories: Object.keys(repositories).length > 0 ? JSON.stringify(repositories) + '\n' : undefined,
  };
}

function addEntry(pack: Pack, name: string, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0 }, data, (err) =>
      err ? reject(err) : resolve(),
    );
  });
}

/** Streams the archive for `plan` to `out`; emits a `save` event per image once it is written. */
export async function writeSave(
  engine: Engine,
  plan: SavePlan,
  out: Writable,
  signal?: AbortSignal,
): Promise<void> {
  const pack = tarPack();
  const piped = pipeline(pack, out, { signal });
  const writeAll = async () => {
    for (const dir of ['blobs/', 'blobs/sha256/']) {
      pack.entry({ name: dir, type: 'directory', mode: 0o755, mtime: EPOCH, uid: 0, gid: 0 });
    }
    for (const blob of plan.blobs) {
      const entry = pack.entry({
        name: blobPath(blob.digest),
        size: blob.size,
        mode: 0o644,
        mtime: EPOCH,
        uid: 0,
        gid: 0,
      });
      await pipeline(engine.content.openRead(blob.digest), entry);
    }
    const docs = layoutDocuments(plan);
    await addEntry(pack, 'index.json', docs.index);
    await addEntry(pack, 'manifest.json', docs.manifest);
    await addEntry(pack, 'oci-layout', '{"imageLayoutVersion": "1.0.0"}');
    if (docs.repositories) await addEntry(pack, 'repositories', docs.repositories);
    pack.finalize();
  };
  try {
    await Promise.all([writeAll(), piped]);
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  for (const { image } of plan.images) engine.images.emit('save', image.id, image.id);
}
