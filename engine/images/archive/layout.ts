/**
 * Makes sense of a read archive: docker's `manifest.json` (legacy and v25+ layouts alike) or, without
 * one, an OCI image layout's `index.json`. Either way the result is a list of images to load: config
 * blob, layer blobs, the archive's own manifest when it has one, and the tags to set.
 */
import type { Engine } from '../../engine.js';
import { compressionFromMediaType, type Compression } from '../../store/compression.js';
import { isSha256Digest } from '../../store/digest.js';
import { choosePlatformManifest, hostPlatform } from '../../registry/platform.js';
import type { Descriptor } from '../../registry/manifest.js';
import { fullString, parseReference, type Reference } from '../references.js';
import type { Lease } from '../leases.js';
import { archivePath, badArchive, type ArchiveFile } from './archive-reader.js';
import { blobCompression, MEDIA } from './records.js';

export interface LoadLayer {
  digest: string;
  size: number;
  compression: Compression;
  /** From the archive's manifest; undefined when a manifest has to be written. */
  mediaType?: string;
}

export interface LoadItem {
  configDigest: string;
  layers: LoadLayer[];
  /** The archive's manifest for this image, when it has one that matches. */
  manifest?: { digest: string; mediaType: string };
  /** Tags, as references with a tag. */
  tags: Reference[];
}

interface LegacyManifestEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

const IMAGE_NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_NESTING = 4;

function parseJSON<T>(file: ArchiveFile, name: string): T {
  try {
    return JSON.parse(file.data!.toString('utf8')) as T;
  } catch (err) {
    throw badArchive(`${name}: ${(err as Error).message}`);
  }
}

/** The images an archive holds, in the order it lists them. Blobs it stores are added to `lease`. */
export async function loadItems(
  engine: Engine,
  files: Map<string, ArchiveFile>,
  lease: Lease,
): Promise<LoadItem[]> {
  const manifestFile = files.get('manifest.json');
  const indexFile = files.get('index.json');
  if (manifestFile?.data) {
    // index.json only lends its manifests (so their digests survive a save/load round trip).
    const ociManifests = indexFile?.data
      ? await ociItems(engine, parseJSON(indexFile, 'index.json')).catch(() => [])
      : [];
    return legacyItems(engine, files, parseJSON(manifestFile, 'manifest.json'), ociManifests, lease);
  }
  if (indexFile?.data) return ociItems(engine, parseJSON(indexFile, 'index.json'));
  throw badArchive('no manifest.json or index.json found');
}

/** A file the manifest names: it must exist in the archive (and is stored as a blob here). */
async function blobOf(
  engine: Engine,
  files: Map<string, ArchiveFile>,
  name: unknown,
  lease: Lease,
): Promise<ArchiveFile & { digest: string }> {
  if (typeof name !== 'string' || name === '') throw badArchive(`manifest.json names an invalid path`);
  const file = files.get(archivePath(name));
  if (!file) throw badArchive(`manifest.json refers to ${JSON.stringify(name)}, which is not in the archive`);
  if (file.digest) return { ...file, digest: file.digest };
  const digest = await engine.content.put(file.data!);
  lease.addBlob(digest);
  return { ...file, digest };
}

async function legacyItems(
  engine: Engine,
  files: Map<string, ArchiveFile>,
  entries: unknown,
  ociManifests: LoadItem[],
  lease: Lease,
): Promise<LoadItem[]> {
  if (!Array.isArray(entries)) throw badArchive('manifest.json is not a list');
  const out: LoadItem[] = [];
  for (const e of entries as LegacyManifestEntry[]) {
    if (!e || typeof e !== 'object') throw badArchive('manifest.json has an invalid entry');
    const config = await blobOf(engine, files, e.Config, lease);
    if (e.Layers !== undefined && e.Layers !== null && !Array.isArray(e.Layers))
      throw badArchive('manifest.json: Layers is not a list');
    const layers: LoadLayer[] = [];
    for (const name of (e.Layers as unknown[] | null | undefined) ?? []) {
      const blob = await blobOf(engine, files, name, lease);
      layers.push({
        digest: blob.digest,
        size: blob.size,
        compression: await blobCompression(engine, blob.digest),
      });
    }
    const tags: Reference[] = [];
    for (const t of (e.RepoTags as unknown[] | null | undefined) ?? []) tags.push(tagReference(t));
    // Reuse the layout's manifest for this image (same config, same layer blobs): its digest survives.
    const match = ociManifests.find(
      (m) =>
        m.configDigest === config.digest &&
        m.layers.length === layers.length &&
        m.layers.every((l, i) => l.digest === layers[i]!.digest),
    );
    const item: LoadItem = { configDigest: config.digest, layers, tags };
    if (match?.manifest) {
      item.manifest = match.manifest;
      item.layers = match.layers;
    }
    out.push(item);
  }
  return out;
}

function tagReference(t: unknown): Reference {
  if (typeof t !== 'string') throw badArchive('manifest.json: RepoTags must be strings');
  let ref: Reference;
  try {
    ref = parseReference(t, { defaultTag: false });
  } catch (err) {
    throw badArchive(`invalid tag ${JSON.stringify(t)}: ${(err as Error).message}`);
  }
  if (!ref.tag || ref.digest) throw badArchive(`invalid tag ${JSON.stringify(t)}`);
  return ref;
}

interface OciIndex {
  manifests?: Descriptor[];
}

/** Images of an OCI layout's index.json (following nested indexes to this host's platform). */
async function ociItems(engine: Engine, index: OciIndex): Promise<LoadItem[]> {
  if (!index || !Array.isArray(index.manifests)) throw badArchive('index.json has no manifests list');
  const byManifest = new Map<string, LoadItem>();
  for (const desc of index.manifests) {
    const item = await ociManifestItem(engine, desc, 0);
    if (!item) continue;
    const key = item.manifest!.digest;
    const existing = byManifest.get(key);
    const tag = annotatedName(desc);
    if (existing) {
      if (tag && !existing.tags.some((t) => fullString(t) === fullString(tag))) existing.tags.push(tag);
    } else {
      if (tag) item.tags.push(tag);
      byManifest.set(key, item);
    }
  }
  return [...byManifest.values()];
}

/** The tag an index entry's annotations give, if any (a bare `ref.name` like `latest` names nothing). */
function annotatedName(desc: Descriptor): Reference | undefined {
  const name = desc.annotations?.[IMAGE_NAME] ?? desc.annotations?.[REF_NAME];
  if (!name || !/[/:]/.test(name)) return undefined;
  try {
    const ref = parseReference(name, { defaultTag: false });
    return ref.tag && !ref.digest ? ref : undefined;
  } catch {
    return undefined;
  }
}

async function readDescriptorJSON<T>(engine: Engine, desc: Descriptor): Promise<T> {
  if (!desc || typeof desc.digest !== 'string' || !isSha256Digest(desc.digest)) {
    throw badArchive(`invalid descriptor in the image layout`);
  }
  if (!(await engine.content.has(desc.digest)))
    throw badArchive(`blob ${desc.digest} is missing from the archive`);
  try {
    return await engine.content.readJSON<T>(desc.digest);
  } catch (err) {
    throw badArchive(`blob ${desc.digest}: ${(err as Error).message}`);
  }
}

async function ociManifestItem(
  engine: Engine,
  desc: Descriptor,
  depth: number,
): Promise<LoadItem | undefined> {
  if (depth > MAX_NESTING) throw badArchive('image indexes nested too deeply');
  if (desc.mediaType === MEDIA.ociIndex || desc.mediaType === MEDIA.dockerManifestList) {
    const nested = await readDescriptorJSON<OciIndex>(engine, desc);
    if (!Array.isArray(nested.manifests)) throw badArchive(`index ${desc.digest} has no manifests list`);
    const present: Descriptor[] = [];
    for (const d of nested.manifests)
      if (d && isSha256Digest(d.digest) && (await engine.content.has(d.digest))) present.push(d);
    let chosen: Descriptor;
    try {
      chosen = choosePlatformManifest(present, hostPlatform());
    } catch {
      throw badArchive(`index ${desc.digest} has no image for this platform in the archive`);
    }
    return ociManifestItem(engine, chosen, depth + 1);
  }
  if (desc.mediaType !== MEDIA.ociManifest && desc.mediaType !== MEDIA.dockerManifest) return undefined;
  const manifest = await readDescriptorJSON<{ config?: Descriptor; layers?: Descriptor[] }>(engine, desc);
  if (!manifest.config || !isSha256Digest(manifest.config.digest) || !Array.isArray(manifest.layers)) {
    throw badArchive(`manifest ${desc.digest} is invalid`);
  }
  const layers: LoadLayer[] = [];
  for (const l of manifest.layers) {
    if (!l || !isSha256Digest(l.digest)) throw badArchive(`manifest ${desc.digest} has an invalid layer`);
    const compression = compressionFromMediaType(String(l.mediaType));
    if (!compression) throw badArchive(`manifest ${desc.digest}: unsupported layer type ${l.mediaType}`);
    layers.push({ digest: l.digest, size: l.size, compression, mediaType: l.mediaType });
  }
  return {
    configDigest: manifest.config.digest,
    layers,
    manifest: { digest: desc.digest, mediaType: desc.mediaType },
    tags: [],
  };
}
