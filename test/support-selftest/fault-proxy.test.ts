import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { httpRequest } from '../support/http.js';
import { buildLayer, pushImage, type FixtureImage } from '../support/images.js';
import { sha256 } from '../support/layers.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

/** GETs a URL and reports how many body bytes arrived and how the response ended. */
function fetchPartial(
  url: string,
  waitMs = 3000,
): Promise<{ status: number; bytes: number; outcome: 'end' | 'aborted' | 'stalled' }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let bytes = 0;
      const timer = setTimeout(() => {
        resolve({ status: res.statusCode!, bytes, outcome: 'stalled' });
        req.destroy();
      }, waitMs);
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, bytes, outcome: 'end' });
      });
      res.on('aborted', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, bytes, outcome: 'aborted' });
      });
      res.on('error', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, bytes, outcome: 'aborted' });
      });
    });
    req.on('error', reject);
  });
}

describe('startFaultProxy', () => {
  let reg: TestRegistry;
  let img: FixtureImage;
  let proxy: FaultProxy;
  const blobPath = () => `/v2/big/blobs/${img.layers[0].digest}`;

  beforeAll(async () => {
    reg = await startRegistry();
    // A layer comfortably larger than a few socket buffers, so cuts land mid-body.
    const layer = await buildLayer([{ name: 'blob', content: Buffer.alloc(1 << 20, 7) }], 'none');
    img = await pushImage(reg, 'big', 'latest', [layer], { format: 'oci' });
    proxy = await startFaultProxy(reg.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  it('passes requests through unchanged when no rule matches', async () => {
    proxy.setRules([]);
    const res = await httpRequest(`${proxy.url}${blobPath()}`);
    expect(res.status).toBe(200);
    expect(sha256(res.body)).toBe(img.layers[0].digest);
    expect(proxy.hits.at(-1)).toMatchObject({ method: 'GET', path: blobPath(), fault: 'pass', status: 200 });
  });

  it('drops the connection after N body bytes, once', async () => {
    proxy.setRules([{ path: /\/blobs\//, action: 'drop', afterBytes: 1000, once: true }]);
    const first = await fetchPartial(`${proxy.url}${blobPath()}`);
    expect(first).toEqual({ status: 200, bytes: 1000, outcome: 'aborted' });
    const second = await fetchPartial(`${proxy.url}${blobPath()}`);
    expect(second).toEqual({ status: 200, bytes: img.layers[0].size, outcome: 'end' });
  });

  it('drops every time with times unset, and forwards Range for resumes', async () => {
    proxy.setRules([{ path: /\/blobs\//, action: 'drop', afterBytes: 10 }]);
    for (let i = 0; i < 2; i++)
      expect((await fetchPartial(`${proxy.url}${blobPath()}`)).outcome).toBe('aborted');
    proxy.setRules([]);
    const ranged = await httpRequest(`${proxy.url}${blobPath()}`, { headers: { range: 'bytes=10-' } });
    expect(ranged.status).toBe(206);
    expect(ranged.body.length).toBe(img.layers[0].size - 10);
    expect(proxy.hits.at(-1)!.headers.range).toBe('bytes=10-');
  });

  it('stalls: headers and some bytes, then silence with the socket open', async () => {
    proxy.setRules([{ path: /\/blobs\//, action: 'stall', afterBytes: 500, once: true }]);
    const res = await fetchPartial(`${proxy.url}${blobPath()}`, 700);
    expect(res).toEqual({ status: 200, bytes: 500, outcome: 'stalled' });
  });

  it('replaces responses (hostile manifests), including huge bodies', async () => {
    proxy.setRules([
      {
        path: /\/manifests\/latest$/,
        action: 'replace',
        status: 200,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: 'this is not json',
        once: true,
      },
      { path: /\/manifests\/huge$/, action: 'replace', status: 200, bodyLength: 20 << 20 },
    ]);
    const bad = await httpRequest(`${proxy.url}/v2/big/manifests/latest`);
    expect(bad.text()).toBe('this is not json');
    expect(bad.headers['content-type']).toBe('application/vnd.oci.image.manifest.v1+json');
    const huge = await httpRequest(`${proxy.url}/v2/big/manifests/huge`);
    expect(huge.body.length).toBe(20 << 20);
    // once: the real manifest comes back afterwards
    const real = await httpRequest(`${proxy.url}/v2/big/manifests/latest`, {
      headers: { accept: img.manifestMediaType },
    });
    expect(sha256(real.body)).toBe(img.manifestDigest);
  });

  it('supports pushes through the proxy (upload Location points back at the proxy)', async () => {
    proxy.setRules([]);
    const viaProxy = { ...reg, url: proxy.url, host: proxy.host };
    const pushed = await pushImage(viaProxy, 'through-proxy', 'v1', [
      { entries: [{ name: 'hello', content: 'hi' }] },
    ]);
    expect(pushed.ref).toBe(`${proxy.host}/through-proxy:v1`);
    const uploads = proxy.hits.filter((h) => h.method === 'PUT' && h.path.includes('/blobs/uploads/'));
    expect(uploads.length).toBeGreaterThan(0);
    const direct = await httpRequest(`${reg.url}/v2/through-proxy/manifests/v1`, {
      headers: { accept: pushed.manifestMediaType },
    });
    expect(sha256(direct.body)).toBe(pushed.manifestDigest);
  });

  it('resets connections before any response', async () => {
    proxy.setRules([{ path: /\/v2\/$/, action: 'reset', once: true }]);
    await expect(httpRequest(`${proxy.url}/v2/`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await httpRequest(`${proxy.url}/v2/`)).status).toBe(200);
  });
});
