import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, SystemError } from '../../engine/errors.js';
import { parseReference } from '../../engine/reference/index.js';
import { BlobVerificationError, MediaType, type RegistryClient } from '../../engine/registry/index.js';
import { corruptBlob, pushFixtureImages, pushImage, busyboxLayer, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { readAll, sha256, testClient } from './helpers.js';

let reg: TestRegistry;
let fx: Fixtures;
let client: RegistryClient;
const ref = (s: string) => parseReference(`${reg.host}/${s}`);

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  client = testClient();
});

afterAll(async () => {
  client?.close();
  await reg?.stop();
});

describe('resolve', () => {
  it('resolves a Docker v2 schema 2 manifest and streams its blobs', async () => {
    const r = await client.resolve(ref('busybox:latest'));
    expect(r.mediaType).toBe(MediaType.DockerManifest);
    expect(r.digest).toBe(fx.busybox.manifestDigest);
    expect(r.repoDigest).toBe(fx.busybox.manifestDigest);
    expect(r.raw.equals(fx.busybox.manifest)).toBe(true);
    expect(r.config.digest).toBe(fx.busybox.configDigest);
    expect(r.layers.map((l) => l.digest)).toEqual(fx.busybox.layers.map((l) => l.digest));
    expect(r.index).toBeUndefined();

    const config = await readAll(await client.fetchBlob(ref('busybox'), r.config));
    expect(sha256(config)).toBe(fx.busybox.configDigest);
    let progress = 0;
    const layer = await readAll(
      await client.fetchBlob(ref('busybox'), r.layers[0], { onProgress: (n) => (progress = n) }),
    );
    expect(sha256(layer)).toBe(r.layers[0].digest);
    expect(layer.length).toBe(r.layers[0].size);
    expect(progress).toBe(r.layers[0].size);
  });

  it('resolves an OCI manifest with three layers', async () => {
    const r = await client.resolve(ref('three-layer'));
    expect(r.mediaType).toBe(MediaType.OciManifest);
    expect(r.layers).toHaveLength(3);
    expect(r.digest).toBe(fx.threeLayer.manifestDigest);
  });

  it('resolves zstd and uncompressed layers', async () => {
    const z = await client.resolve(ref('zstd'));
    expect(z.layers[0].mediaType).toBe(MediaType.OciLayerZstd);
    const p = await client.resolve(ref('plain'));
    expect(p.layers[0].mediaType).toBe(MediaType.OciLayer);
    const bytes = await readAll(await client.fetchBlob(ref('plain'), p.layers[0]));
    expect(sha256(bytes)).toBe(p.layers[0].digest);
  });

  it('chooses the platform from an index and reports the index digest as RepoDigest', async () => {
    const [amd64, arm64, armv7] = fx.multi.images;
    const host = await client.resolve(ref('multi:latest'), { platform: 'linux/amd64' });
    expect(host.repoDigest).toBe(fx.multi.indexDigest);
    expect(host.index?.digest).toBe(fx.multi.indexDigest);
    expect(host.digest).toBe(amd64.manifestDigest);
    expect(host.platform).toMatchObject({ os: 'linux', architecture: 'amd64' });

    expect((await client.resolve(ref('multi'), { platform: 'linux/arm64' })).digest).toBe(
      arm64.manifestDigest,
    );
    expect((await client.resolve(ref('multi'), { platform: 'linux/aarch64' })).digest).toBe(
      arm64.manifestDigest,
    );
    expect((await client.resolve(ref('multi'), { platform: 'linux/arm/v7' })).digest).toBe(
      armv7.manifestDigest,
    );
    expect((await client.resolve(ref('multi'), { platform: 'linux/arm' })).digest).toBe(armv7.manifestDigest);
    await expect(client.resolve(ref('multi'), { platform: 'linux/s390x' })).rejects.toThrow(
      'no matching manifest for linux/s390x in the manifest list entries',
    );
  });

  it('resolves by digest (index and child)', async () => {
    const byIndex = await client.resolve(ref(`multi@${fx.multi.indexDigest}`), {
      platform: 'linux/arm64/v8',
    });
    expect(byIndex.repoDigest).toBe(fx.multi.indexDigest);
    expect(byIndex.digest).toBe(fx.multi.images[1].manifestDigest);
    const child = await client.resolve(ref(`multi@${fx.multi.images[2].manifestDigest}`));
    expect(child.repoDigest).toBe(fx.multi.images[2].manifestDigest);
    expect(child.index).toBeUndefined();
  });

  it('follows a moving tag', async () => {
    expect((await client.resolve(ref('moving'))).digest).toBe(fx.moving.v1.manifestDigest);
    await fx.moving.moveTo('v2');
    expect((await client.resolve(ref('moving'))).digest).toBe(fx.moving.v2.manifestDigest);
    await fx.moving.moveTo('v1');
  });

  it('reports unknown tags and repositories with dockerd’s wording', async () => {
    const e1 = await client.resolve(ref('busybox:nope')).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(NotFoundError);
    expect((e1 as Error).message).toBe(
      `manifest for ${reg.host}/busybox:nope not found: manifest unknown: manifest unknown`,
    );
    const e2 = await client.resolve(ref('no/such-repo')).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(NotFoundError);
    expect((e2 as Error).message).toMatch(/not found/);
    const e3 = await client
      .fetchBlob(ref('busybox'), { digest: `sha256:${'0'.repeat(64)}`, size: 1 })
      .catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(NotFoundError);
  });

  it('names the registry when it cannot connect', async () => {
    const e = await client.resolve(parseReference('127.0.0.1:9/foo')).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(SystemError);
    expect((e as Error).message).toContain('127.0.0.1:9');
  });
});

describe('blob verification', () => {
  it('fails a blob whose bytes do not match its digest', async () => {
    const img = await pushImage(reg, 'corrupt', 'latest', [
      await busyboxLayer(),
      { entries: [{ name: 'x', content: 'x\n' }] },
    ]);
    const layer = img.layers[1];
    await corruptBlob(reg, layer.digest);
    const stream = await client.fetchBlob(ref('corrupt'), layer);
    const err = await readAll(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobVerificationError);
    expect((err as Error).message).toContain(layer.digest);
    expect((err as Error).message).toContain('digest mismatch');
  });

  it('fails a blob whose size is wrong', async () => {
    const layer = fx.busybox.layers[0];
    const stream = await client.fetchBlob(ref('busybox'), { digest: layer.digest, size: layer.size - 10 });
    const err = await readAll(stream).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/size mismatch/);
    const short = await client.fetchBlob(ref('busybox'), { digest: layer.digest, size: layer.size + 10 }, {});
    // The registry ends the body early: retried, then reported.
    await expect(readAll(short)).rejects.toThrow(layer.digest);
  }, 30_000);
});
