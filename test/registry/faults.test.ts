import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../engine/reference/index.js';
import { MediaType, type RegistryClient } from '../../engine/registry/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  buildMultiLayerImage,
  pushFixtureImages,
  type FixtureImage,
  type Fixtures,
} from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { readAll, sha256, testClient } from './helpers.js';

let reg: TestRegistry;
let fx: Fixtures;
let big: FixtureImage;
let proxy: FaultProxy;
let client: RegistryClient;
const viaProxy = (s: string) => parseReference(`${proxy.host}/${s}`);
const blobPath = (digest: string) => new RegExp(`/blobs/${digest}$`);

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  big = await buildMultiLayerImage(reg, 'big', {
    layers: 1,
    bytesPerLayer: 3 * 1024 * 1024,
    withBusybox: false,
  });
  proxy = await startFaultProxy(reg.url);
  client = testClient({ stallTimeoutMs: 400 });
});

afterAll(async () => {
  client?.close();
  await proxy?.stop();
  await reg?.stop();
});

describe('resumable blobs', () => {
  it('resumes a dropped download with a Range request and still verifies', async () => {
    const layer = big.layers[0];
    proxy.setRules([
      { path: blobPath(layer.digest), method: 'GET', action: 'drop', afterBytes: 1_000_000, times: 2 },
    ]);
    proxy.hits.length = 0;
    const retries: number[] = [];
    const bytes = await readAll(
      await client.fetchBlob(viaProxy('big'), layer, { onRetry: (offset) => retries.push(offset) }),
    );
    expect(sha256(bytes)).toBe(layer.digest);
    expect(retries).toEqual([1_000_000, 2_000_000]);
    const gets = proxy.hits.filter((h) => h.method === 'GET' && blobPath(layer.digest).test(h.path));
    expect(gets.map((h) => h.headers.range)).toEqual([undefined, 'bytes=1000000-', 'bytes=2000000-']);
  });

  it('detects a stalled connection and resumes', async () => {
    const layer = big.layers[0];
    proxy.setRules([
      { path: blobPath(layer.digest), method: 'GET', action: 'stall', afterBytes: 500_000, once: true },
    ]);
    const reasons: string[] = [];
    const t0 = Date.now();
    const bytes = await readAll(
      await client.fetchBlob(viaProxy('big'), layer, { onRetry: (_o, e) => reasons.push(e.message) }),
    );
    expect(sha256(bytes)).toBe(layer.digest);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/no data received/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('does not take a slow consumer for a stall', async () => {
    const layer = big.layers[0];
    proxy.setRules([]);
    const stream = await client.fetchBlob(viaProxy('big'), layer, { onRetry: () => expect.fail('retried') });
    await new Promise((r) => setTimeout(r, 1000)); // consumer not reading: backpressure, not a stall
    expect(sha256(await readAll(stream))).toBe(layer.digest);
  });

  it('gives up after repeated failures without progress, naming the blob', async () => {
    const layer = big.layers[0];
    proxy.setRules([
      { path: blobPath(layer.digest), method: 'GET', action: 'drop', afterBytes: 100, once: true },
      { path: blobPath(layer.digest), method: 'GET', action: 'reset' },
    ]);
    const stream = await client.fetchBlob(viaProxy('big'), layer);
    const err = await readAll(stream).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(layer.digest);
    proxy.setRules([]);
  });

  it('aborts on the signal', async () => {
    const layer = big.layers[0];
    proxy.setRules([
      { path: blobPath(layer.digest), method: 'GET', action: 'stall', afterBytes: 100_000, once: true },
    ]);
    const ac = new AbortController();
    const stream = await client.fetchBlob(viaProxy('big'), layer, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await expect(readAll(stream)).rejects.toThrow();
    proxy.setRules([]);
  });

  it('follows a blob redirect to another host without the Authorization header', async () => {
    const layer = fx.busybox.layers[0];
    const bytes = await readAll(await client.fetchBlob(viaProxy('busybox'), layer));
    const seen: http.IncomingHttpHeaders[] = [];
    const storage = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    const port = (storage.address() as AddressInfo).port;
    try {
      proxy.setRules([
        {
          path: blobPath(layer.digest),
          action: 'replace',
          status: 307,
          headers: { location: `http://localhost:${port}/signed/blob?x=1` },
        },
      ]);
      const auth = { username: 'u', password: 'p' };
      const got = await readAll(await client.fetchBlob(viaProxy('busybox'), layer, { auth }));
      expect(sha256(got)).toBe(layer.digest);
      expect(seen).toHaveLength(1);
      expect(seen[0].authorization).toBeUndefined();
    } finally {
      proxy.setRules([]);
      await new Promise((r) => storage.close(r));
    }
  });
});

describe('hostile manifests', () => {
  const manifestPath = /\/manifests\//;
  const replace = (body: Buffer | string, headers: Record<string, string> = {}, bodyLength?: number) =>
    proxy.setRules([
      { path: manifestPath, method: 'GET', action: 'replace', status: 200, body, bodyLength, headers },
    ]);

  it('rejects a body that is not JSON', async () => {
    replace('this is not json', { 'content-type': MediaType.DockerManifest });
    await expect(client.resolve(viaProxy('busybox'))).rejects.toThrow('invalid manifest: not valid JSON');
  });

  it('rejects schema 1 and unknown media types', async () => {
    replace(JSON.stringify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }), {
      'content-type': MediaType.DockerSchema1Signed,
    });
    await expect(client.resolve(viaProxy('busybox'))).rejects.toThrow(/schema 1 is no longer supported/);
    replace(JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-weird' }));
    await expect(client.resolve(viaProxy('busybox'))).rejects.toThrow(
      'unsupported manifest media type: application/x-weird',
    );
    replace(JSON.stringify({ schemaVersion: 2, config: {} }));
    await expect(client.resolve(viaProxy('busybox'))).rejects.toThrow('invalid manifest: missing mediaType');
  });

  it('refuses an oversized manifest without reading it all', async () => {
    replace('', { 'content-type': MediaType.DockerManifest }, 64 * 1024 * 1024);
    await expect(client.resolve(viaProxy('busybox'))).rejects.toThrow(/too large/);
  });

  it('verifies a manifest fetched by digest', async () => {
    const other = fx.threeLayer.manifest;
    replace(other, { 'content-type': MediaType.OciManifest });
    await expect(client.resolve(viaProxy(`busybox@${fx.busybox.manifestDigest}`))).rejects.toThrow(
      `manifest verification failed for digest ${fx.busybox.manifestDigest}`,
    );
    proxy.setRules([]);
    const ok = await client.resolve(viaProxy(`busybox@${fx.busybox.manifestDigest}`));
    expect(ok.digest).toBe(fx.busybox.manifestDigest);
  });
});

describe('Docker Hub mirrors', () => {
  let hub: TestRegistry;
  beforeAll(async () => {
    hub = await startRegistry();
    const img = fx.busybox;
    const { clientFor } = await import('../support/images.js');
    const c = clientFor(hub);
    const layerBlob = await readAll(
      await client.fetchBlob(parseReference(`${reg.host}/busybox`), img.layers[0]),
    );
    await c.pushBlob('library/busybox', layerBlob, img.layers[0].digest);
    await c.pushBlob('library/busybox', Buffer.from(JSON.stringify(img.config)), img.configDigest);
    await c.putManifest('library/busybox', 'latest', img.manifest, img.manifestMediaType);
  });
  afterAll(async () => {
    await hub?.stop();
  });

  it('tries mirrors in order, falling back on errors and 404s', async () => {
    const empty = await startRegistry();
    try {
      const c = testClient({ mirrors: ['http://127.0.0.1:9', empty.url, hub.url] });
      const r = await c.resolve(parseReference('busybox'));
      expect(r.endpoint).toBe(hub.url);
      expect(r.digest).toBe(fx.busybox.manifestDigest);
      const bytes = await readAll(await c.fetchBlob(parseReference('busybox'), r.layers[0]));
      expect(sha256(bytes)).toBe(r.layers[0].digest);
      c.close();
    } finally {
      await empty.stop();
    }
  });

  it('falls back to the origin after the mirrors', async () => {
    const c = testClient({ mirrors: ['http://127.0.0.1:9'], hubOrigin: hub.url });
    const r = await c.resolve(parseReference('docker.io/library/busybox:latest'));
    expect(r.endpoint).toBe(hub.url);
    c.close();
  });

  it('does not use mirrors for other registries', async () => {
    const c = testClient({ mirrors: [hub.url] });
    await expect(c.resolve(parseReference('127.0.0.1:9/library/busybox'))).rejects.toThrow('127.0.0.1:9');
    c.close();
  });
});
