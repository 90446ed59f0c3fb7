import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../support/http.js';
import {
  buildLayer,
  buildMultiLayerImage,
  clientFor,
  corruptBlob,
  MEDIA_TYPES,
  pushFixtureImages,
  pushHostileImage,
  type Fixtures,
} from '../support/images.js';
import { readTar, sha256 } from '../support/layers.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(
  ', ',
);

describe('fixture images on an open registry (read back with plain HTTP)', () => {
  let reg: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    reg = await startRegistry();
    fx = await pushFixtureImages(reg);
  });
  afterAll(() => reg?.stop());

  const get = (path: string, accept = MANIFEST_ACCEPT) =>
    httpRequest(`${reg.url}${path}`, { headers: { accept } });

  it('serves every fixture manifest and blob with matching digests', async () => {
    for (const img of [fx.busybox, fx.threeLayer, fx.zstd, fx.plain, fx.moving.v1, ...fx.multi.images]) {
      const m = await get(`/v2/${img.repo}/manifests/${img.manifestDigest}`);
      expect(m.status).toBe(200);
      expect(sha256(m.body)).toBe(img.manifestDigest);
      expect(m.headers['content-type']).toBe(img.manifestMediaType);
      const manifest = m.json();
      expect(manifest.config.digest).toBe(img.configDigest);
      const cfg = await get(`/v2/${img.repo}/blobs/${img.configDigest}`);
      expect(sha256(cfg.body)).toBe(img.configDigest);
      expect(JSON.parse(cfg.body.toString()).rootfs.diff_ids).toEqual(img.layers.map((l) => l.diffId));
      for (const [i, layer] of img.layers.entries()) {
        expect(manifest.layers[i].digest).toBe(layer.digest);
        const blob = await get(`/v2/${img.repo}/blobs/${layer.digest}`);
        expect(blob.status).toBe(200);
        expect(sha256(blob.body)).toBe(layer.digest);
        expect(blob.body.length).toBe(layer.size);
      }
    }
  });

  it('busybox is a docker schema2 image with the real static binary and applet symlinks', async () => {
    const img = fx.busybox;
    expect(img.ref).toBe(`${reg.host}/busybox:latest`);
    expect(img.manifestMediaType).toBe(MEDIA_TYPES.dockerManifest);
    expect(img.layers[0].mediaType).toMatch(/gzip$/);
    expect(img.config).toMatchObject({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] } });
    expect(img.config.config.Env?.[0]).toMatch(/^PATH=/);
    const tag = await get(`/v2/busybox/manifests/latest`);
    expect(tag.headers['docker-content-digest']).toBe(img.manifestDigest);
    const entries = await readTar(img.layers[0].tar);
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    const bin = byName.get('bin/busybox')!;
    expect(bin.header.mode & 0o777).toBe(0o755);
    expect(bin.content.equals(readFileSync('/bin/busybox'))).toBe(true);
    for (const a of ['sh', 'ls', 'cat', 'echo', 'true', 'sleep', 'env']) {
      expect(byName.get(`bin/${a}`)?.header).toMatchObject({ type: 'symlink', linkname: 'busybox' });
    }
    expect(byName.get('tmp/')?.header.mode).toBe(0o1777);
    expect(byName.get('etc/passwd')?.content.toString()).toMatch(/^root:x:0:0:/);
    // The uncompressed tar is exactly what the blob decompresses to.
    const blob = await get(`/v2/busybox/blobs/${img.layers[0].digest}`);
    expect(gunzipSync(blob.body).equals(img.layers[0].tar)).toBe(true);
  });

  it('three-layer carries a whiteout and an opaque directory', async () => {
    const [, l2, l3] = await Promise.all(fx.threeLayer.layers.map((l) => readTar(l.tar)));
    expect(fx.threeLayer.manifestMediaType).toBe(MEDIA_TYPES.ociManifest);
    expect(l2.map((e) => e.header.name)).toEqual(['data/', 'data/.wh.a', 'data/c']);
    expect(l3.map((e) => e.header.name)).toContain('etc/dir/.wh..wh..opq');
  });

  it('multi is an OCI index over three platforms', async () => {
    const idx = await get(`/v2/multi/manifests/latest`);
    expect(idx.headers['content-type']).toBe(MEDIA_TYPES.ociIndex);
    expect(sha256(idx.body)).toBe(fx.multi.indexDigest);
    expect(idx.json().manifests.map((m: { platform: object }) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
      { architecture: 'arm', os: 'linux', variant: 'v7' },
    ]);
    const arm = await readTar(fx.multi.images[2].layers[0].tar);
    expect(arm.find((e) => e.header.name === 'platform')?.content.toString()).toBe('linux/arm/v7\n');
  });

  it('zstd and plain layers use their media types and encodings', async () => {
    expect(fx.zstd.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    const z = await get(`/v2/zstd/blobs/${fx.zstd.layers[0].digest}`);
    expect(z.body.readUInt32LE(0)).toBe(0xfd2fb528); // zstd frame magic
    expect(fx.plain.layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    expect(fx.plain.layers[0].digest).toBe(fx.plain.layers[0].diffId);
  });

  it('created dates are distinct and ordered', () => {
    const dates = [
      fx.busybox,
      fx.threeLayer,
      fx.multi.images[0],
      fx.zstd,
      fx.plain,
      fx.moving.v1,
      fx.moving.v2,
    ].map((i) => i.config.created);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
  });

  it('moving:latest moves between v1 and v2', async () => {
    const digest = async () => (await get('/v2/moving/manifests/latest')).headers['docker-content-digest'];
    expect(await digest()).toBe(fx.moving.v1.manifestDigest);
    await fx.moving.moveTo('v2');
    expect(await digest()).toBe(fx.moving.v2.manifestDigest);
    await fx.moving.moveTo('v1');
    expect(await digest()).toBe(fx.moving.v1.manifestDigest);
  });

  it('corruptBlob keeps the length but changes the bytes', async () => {
    const img = await pushHostileImage(reg, 'corrupt-me', 'latest', [{ name: 'f', content: 'hello world' }]);
    const digest = img.layers[0].digest;
    await corruptBlob(reg, digest);
    const blob = await get(`/v2/corrupt-me/blobs/${digest}`);
    expect(blob.status).toBe(200);
    expect(blob.body.length).toBe(img.layers[0].size);
    expect(sha256(blob.body)).not.toBe(digest);
  });

  it('pushHostileImage keeps hostile entries exactly as given', async () => {
    const hostile = [
      { name: '../escape', content: 'x' },
      { name: '/abs/file', content: 'y' },
      { name: 'link-out', type: 'symlink' as const, linkname: '../../../../etc/passwd' },
      { name: 'hard-out', type: 'link' as const, linkname: '../outside' },
      { name: 'dev/evil', type: 'character-device' as const, devmajor: 1, devminor: 3 },
      { name: 'fifo', type: 'fifo' as const },
    ];
    const img = await pushHostileImage(reg, 'hostile', 'latest', hostile);
    const blob = await get(`/v2/hostile/blobs/${img.layers[0].digest}`);
    const entries = await readTar(gunzipSync(blob.body));
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.linkname ?? null])).toEqual([
      ['../escape', 'file', null],
      ['/abs/file', 'file', null],
      ['link-out', 'symlink', '../../../../etc/passwd'],
      ['hard-out', 'link', '../outside'],
      ['dev/evil', 'character-device', null],
      ['fifo', 'fifo', null],
    ]);
    expect(entries[4].header).toMatchObject({ devmajor: 1, devminor: 3 });
  });

  it('buildMultiLayerImage pushes generated, incompressible layers', async () => {
    const img = await buildMultiLayerImage(reg, 'large', { layers: 3, bytesPerLayer: 256 * 1024 });
    expect(img.layers).toHaveLength(4); // busybox base + 3 generated
    for (const l of img.layers.slice(1)) {
      expect(l.size).toBeGreaterThan(256 * 1024);
      expect((await readTar(l.tar)).filter((e) => e.header.type === 'file')).toHaveLength(4);
    }
    const m = await get(`/v2/large/manifests/latest`);
    expect(sha256(m.body)).toBe(img.manifestDigest);
  });

  it('buildLayer is deterministic', async () => {
    const a = await buildLayer([{ name: 'x', content: 'same' }]);
    const b = await buildLayer([{ name: 'x', content: 'same' }]);
    expect(a.digest).toBe(b.digest);
    expect(a.diffId).toBe(sha256(a.tar));
  });
});

describe('fixture images behind auth', () => {
  for (const opts of [{ auth: 'basic' as const }, { auth: 'token' as const, tls: true }]) {
    it(`pushes and reads back with ${JSON.stringify(opts)}`, async () => {
      const reg = await startRegistry(opts);
      try {
        const fx = await pushFixtureImages(reg);
        const client = clientFor(reg);
        const m = await client.getManifest('busybox', 'latest');
        expect(m.status).toBe(200);
        expect(m.headers['docker-content-digest']).toBe(fx.busybox.manifestDigest);
        const blob = await client.getBlob('busybox', fx.busybox.layers[0].digest);
        expect(sha256(blob.body)).toBe(fx.busybox.layers[0].digest);
        const anon = await httpRequest(`${reg.url}/v2/busybox/manifests/latest`, {
          ca: reg.caCertPath ? readFileSync(reg.caCertPath) : undefined,
        });
        expect(anon.status).toBe(401);
      } finally {
        await reg.stop();
      }
    });
  }
});
