/**
 * Benchmark inputs: the large pull image and the "many small images" set, plus the three ways of
 * getting the small images into an engine (`docker load` of one archive, `docker import` of one
 * tarball each, or pulls from the loopback registry), so the benchmark can use whichever the
 * engine under test supports.
 */
import { randomBytes } from 'node:crypto';
import { buildTar, layerFromTar, sha256 } from '../test/support/layers.js';
import { pushImage, type FixtureImage } from '../test/support/images.js';
import type { TestRegistry } from '../test/support/registry.js';
import type { BenchDaemon } from './daemon.js';

export const MANY_REPO = 'berth-bench/many';

export type PopulateMethod = 'load' | 'import' | 'pull';

export interface SmallImage {
  tag: string;
  /** Uncompressed layer tar. */
  layer: Buffer;
  diffId: string;
  config: Buffer;
  configDigest: string;
}

/** `n` distinct one-layer images (distinct content, so distinct layers and image IDs). */
export async function smallImages(n: number, prefix = 'i'): Promise<SmallImage[]> {
  const out: SmallImage[] = [];
  for (let i = 0; i < n; i++) {
    const tag = `${prefix}${String(i).padStart(4, '0')}`;
    const layer = await buildTar([
      { name: 'bench', type: 'directory' },
      { name: 'bench/id', content: `${tag}\n${randomBytes(256).toString('hex')}\n` },
    ]);
    const diffId = sha256(layer);
    const created = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created,
        config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
        rootfs: { type: 'layers', diff_ids: [diffId] },
        history: [{ created, created_by: `berth-bench ${tag}` }],
      }),
    );
    out.push({ tag, layer, diffId, config, configDigest: sha256(config) });
  }
  return out;
}

const hex = (digest: string) => digest.slice('sha256:'.length);

/**
 * One `docker save`-style archive holding all images, in the layout Docker 25+ writes: an OCI
 * image layout (oci-layout, index.json, blobs/sha256/…) plus the legacy manifest.json pointing
 * into the same blobs, so both old and new loaders accept it.
 */
export async function saveArchive(images: SmallImage[], repo = MANY_REPO): Promise<Buffer> {
  const entries: Parameters<typeof buildTar>[0] = [
    { name: 'blobs', type: 'directory' },
    { name: 'blobs/sha256', type: 'directory' },
  ];
  const legacy: object[] = [];
  const index: object[] = [];
  for (const img of images) {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: img.configDigest,
          size: img.config.length,
        },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: img.diffId, size: img.layer.length },
        ],
      }),
    );
    const manifestDigest = sha256(manifest);
    entries.push(
      { name: `blobs/sha256/${hex(img.diffId)}`, content: img.layer },
      { name: `blobs/sha256/${hex(img.configDigest)}`, content: img.config },
      { name: `blobs/sha256/${hex(manifestDigest)}`, content: manifest },
    );
    const name = `${repo}:${img.tag}`;
    legacy.push({
      Config: `blobs/sha256/${hex(img.configDigest)}`,
      RepoTags: [name],
      Layers: [`blobs/sha256/${hex(img.diffId)}`],
    });
    index.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      annotations: {
        'io.containerd.image.name': `docker.io/${name}`,
        'org.opencontainers.image.ref.name': img.tag,
      },
    });
  }
  entries.push(
    { name: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    {
      name: 'index.json',
      content: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: index,
      }),
    },
    { name: 'manifest.json', content: JSON.stringify(legacy) },
  );
  return buildTar(entries);
}

/** Pushes the small images to `reg` as `MANY_REPO:TAG` (gzip layers), a few at a time. */
export async function pushSmallImages(
  reg: TestRegistry,
  images: SmallImage[],
  repo = MANY_REPO,
): Promise<void> {
  await inParallel(images, 8, async (img) => {
    const config = JSON.parse(img.config.toString());
    await pushImage(reg, repo, img.tag, [await layerFromTar(img.layer, 'gzip')], {
      format: 'docker',
      config,
    });
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Throws if a streamed progress response (pull, import, load) carries an error message. */
function checkStream(body: string, what: string): void {
  for (const line of body.split('\n')) {
    if (!line.trim()) continue;
    let msg: { error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.error || msg.errorDetail) throw new Error(`${what}: ${msg.error ?? msg.errorDetail?.message}`);
  }
}

/** Gets `images` into `daemon` with `method`; `registryHost` is needed for 'pull'. */
export async function populate(
  daemon: BenchDaemon,
  images: SmallImage[],
  method: PopulateMethod,
  registryHost?: string,
): Promise<void> {
  if (method === 'load') {
    const res = await daemon.api('POST', '/images/load?quiet=1', {
      body: await saveArchive(images),
      headers: { 'content-type': 'application/x-tar' },
      timeoutMs: 300_000,
    });
    if (res.status !== 200) throw new Error(`load: HTTP ${res.status} ${res.text().slice(0, 300)}`);
    checkStream(res.text(), 'load');
    return;
  }
  if (method === 'import') {
    await inParallel(images, 4, async (img) => {
      const q = new URLSearchParams({ fromSrc: '-', repo: MANY_REPO, tag: img.tag });
      const res = await daemon.api('POST', `/images/create?${q}`, {
        body: img.layer,
        headers: { 'content-type': 'application/x-tar' },
      });
      if (res.status !== 200) throw new Error(`import: HTTP ${res.status} ${res.text().slice(0, 300)}`);
      checkStream(res.text(), 'import');
    });
    return;
  }
  if (!registryHost) throw new Error('pull needs the registry host');
  await inParallel(images, 4, async (img) => {
    const q = new URLSearchParams({ fromImage: `${registryHost}/${MANY_REPO}`, tag: img.tag });
    const res = await daemon.api('POST', `/images/create?${q}`);
    if (res.status !== 200) throw new Error(`pull: HTTP ${res.status} ${res.text().slice(0, 300)}`);
    checkStream(res.text(), 'pull');
  });
}

/** Name under which a populated small image is listed. */
export function smallImageRef(img: SmallImage, method: PopulateMethod, registryHost: string): string {
  return method === 'pull' ? `${registryHost}/${MANY_REPO}:${img.tag}` : `${MANY_REPO}:${img.tag}`;
}

/**
 * The first method in load → import → pull that works on `daemon`, tried with one throwaway image
 * which is removed again. 'pull' needs the probe image pushed to the registry first.
 */
export async function probeMethod(
  daemon: BenchDaemon,
  probe: SmallImage,
  registryHost: string,
): Promise<{ method: PopulateMethod; notes: string[] }> {
  const notes: string[] = [];
  for (const method of ['load', 'import', 'pull'] as const) {
    try {
      await populate(daemon, [probe], method, registryHost);
      const ref = smallImageRef(probe, method, registryHost);
      const inspect = await daemon.api('GET', `/images/${ref}/json`);
      if (inspect.status !== 200) throw new Error(`image ${ref} not found after ${method}`);
      await daemon.api('DELETE', `/images/${ref}?force=1`);
      return { method, notes };
    } catch (e) {
      notes.push(`${daemon.name}: ${method} unavailable (${(e as Error).message.split('\n')[0]})`);
    }
  }
  throw new Error(`no way to create images in ${daemon.name}: ${notes.join('; ')}`);
}

/** The large image for the pull benchmark: `layers` random gzip layers, several files each. */
export { buildMultiLayerImage } from '../test/support/images.js';
export type { FixtureImage };
