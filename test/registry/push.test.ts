import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../engine/reference/index.js';
import { MediaType } from '../../engine/registry/index.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { readAll, sha256, testClient } from './helpers.js';

for (const auth of ['none', 'token'] as const) {
  describe(`push (${auth} auth)`, () => {
    let reg: TestRegistry;
    let fx: Fixtures;
    beforeAll(async () => {
      reg = await startRegistry({ auth });
      fx = await pushFixtureImages(reg);
    });
    afterAll(async () => {
      await reg?.stop();
    });
    const creds = () => (auth === 'none' ? undefined : { username: reg.username, password: reg.password });

    it('uploads blobs and a manifest, then resolves it', async () => {
      const c = testClient();
      const ref = parseReference(`${reg.host}/pushed/app:v1`);
      const layer = Buffer.from('x'.repeat(300_000) + 'layer');
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      );
      const layerDesc = { mediaType: MediaType.OciLayer, digest: sha256(layer), size: layer.length };
      const configDesc = { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length };
      const opts = { auth: creds() };

      expect(await c.blobExists(ref, layerDesc.digest, opts)).toBe(false);
      let progress = 0;
      await c.uploadBlob(
        ref,
        layerDesc,
        () => Readable.from([layer.subarray(0, 1000), layer.subarray(1000)]),
        {
          ...opts,
          onProgress: (n) => (progress = n),
        },
      );
      expect(progress).toBe(layer.length);
      await c.uploadBlob(ref, configDesc, () => Readable.from([config]), opts);
      expect(await c.blobExists(ref, layerDesc.digest, opts)).toBe(true);

      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: configDesc,
          layers: [layerDesc],
        }),
      );
      const digest = await c.putManifest(ref, 'v1', MediaType.OciManifest, manifest, opts);
      expect(digest).toBe(sha256(manifest));

      const r = await c.resolve(ref, opts);
      expect(r.digest).toBe(digest);
      expect(r.raw.equals(manifest)).toBe(true);
      expect(sha256(await readAll(await c.fetchBlob(ref, layerDesc, opts)))).toBe(layerDesc.digest);
      c.close();
    });

    it('uploads an empty blob', async () => {
      const c = testClient();
      const ref = parseReference(`${reg.host}/pushed/empty`);
      const empty = Buffer.alloc(0);
      await c.uploadBlob(ref, { digest: sha256(empty), size: 0 }, () => Readable.from([]), { auth: creds() });
      expect(await c.blobExists(ref, sha256(empty), { auth: creds() })).toBe(true);
      c.close();
    });

    it('rejects an upload whose bytes do not match the digest', async () => {
      const c = testClient();
      const ref = parseReference(`${reg.host}/pushed/bad`);
      const data = Buffer.from('hello');
      await expect(
        c.uploadBlob(
          ref,
          { digest: sha256(Buffer.from('other')), size: data.length },
          () => Readable.from([data]),
          {
            auth: creds(),
          },
        ),
      ).rejects.toThrow('digest invalid: provided digest did not match uploaded content');
      c.close();
    });

    it('mounts a blob from another repository', async () => {
      const c = testClient();
      const ref = parseReference(`${reg.host}/mounted/busybox`);
      const layer = fx.busybox.layers[0].digest;
      expect(await c.blobExists(ref, layer, { auth: creds() })).toBe(false);
      expect(await c.mountBlob(ref, layer, 'busybox', { auth: creds() })).toBe(true);
      expect(await c.blobExists(ref, layer, { auth: creds() })).toBe(true);
      expect(await c.mountBlob(ref, `sha256:${'1'.repeat(64)}`, 'busybox', { auth: creds() })).toBe(false);
      c.close();
    });

    it('re-tags by pushing the same manifest', async () => {
      const c = testClient();
      const ref = parseReference(`${reg.host}/busybox:copy`);
      const d = await c.putManifest(ref, 'copy', fx.busybox.manifestMediaType, fx.busybox.manifest, {
        auth: creds(),
      });
      expect(d).toBe(fx.busybox.manifestDigest);
      expect((await c.resolve(ref, { auth: creds() })).digest).toBe(fx.busybox.manifestDigest);
      c.close();
    });
  });
}
