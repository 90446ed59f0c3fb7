/**
 * Bad input and crash safety of the image half: malformed references, corrupt and truncated blobs,
 * stalled downloads, hostile manifests and layer tars, and SIGKILL of the engine mid-pull and
 * mid-removal. After each failure nothing half-done may be visible.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  buildMultiLayerImage,
  busyboxLayer,
  corruptBlob,
  pushHostileImage,
  pushImage,
  type FixtureImage,
  type TarEntry,
} from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import {
  blobPath,
  dockerFails,
  dockerOk,
  entries,
  expectConsistentStore,
  expectNoLeftovers,
  fixtureChain,
  imageLs,
  layerDiffDir,
  readImagesJson,
  waitFor,
} from './helpers.js';

let eng: TestEngine;
let reg: TestRegistry;
let proxy: FaultProxy;
let busybox: FixtureImage;

beforeAll(async () => {
  reg = await startRegistry();
  [eng, proxy, busybox] = await Promise.all([
    startEngine(),
    startFaultProxy(reg.url),
    pushImage(reg, 'busybox', 'latest', [await busyboxLayer()]),
  ]);
});

afterAll(async () => {
  await eng?.stop();
  await proxy?.stop();
  await reg?.stop();
});

afterEach(() => proxy.setRules([]));

/** A small image with unique content (so no layer is already present in the engine). */
async function uniqueImage(repo: string, layers = 2): Promise<FixtureImage> {
  const specs = Array.from({ length: layers }, (_, i) => ({
    entries: [{ name: `file${i}`, content: randomBytes(200_000) }] as TarEntry[],
  }));
  return pushImage(reg, repo, 'latest', specs);
}

/** Nothing of `img` is visible: no image, no layer directory, no layer blob. */
function expectNothingOf(img: FixtureImage): void {
  const meta = readImagesJson(eng.dataRoot);
  expect(meta.images[img.configDigest]).toBeUndefined();
  for (const c of fixtureChain(img)) expect(existsSync(layerDiffDir(eng.dataRoot, c)), c).toBe(false);
  for (const l of img.layers) expect(existsSync(blobPath(eng.dataRoot, l.digest)), l.digest).toBe(false);
}

describe('malformed input', () => {
  it('rejects malformed references', async () => {
    const upper = await dockerFails(eng, ['pull', 'upper/X']);
    expect(upper).toContain('invalid reference format');
    const api = await eng.request(
      'POST',
      '/images/create?fromImage=' + encodeURIComponent('library/Busy') + '&tag=latest',
    );
    expect(api.status).toBe(400);
    expect(api.json().message).toContain('invalid reference format');
    expect(api.json().message).toContain('must be lowercase');

    await dockerOk(eng, ['pull', '-q', `${reg.host}/busybox`]);
    expect(await dockerFails(eng, ['tag', `${reg.host}/busybox`, 'bad tag'])).toContain(
      'invalid reference format',
    );
    const badTag = await eng.request(
      'POST',
      `/images/${busybox.configDigest}/tag?repo=ok&tag=${encodeURIComponent('bad tag')}`,
    );
    expect(badTag.status).toBe(400);
    const badRepo = await eng.request(
      'POST',
      `/images/${busybox.configDigest}/tag?repo=${encodeURIComponent('Bad/Repo')}`,
    );
    expect(badRepo.status).toBe(400);
    expect(badRepo.json().message).toContain('invalid reference format');
  });

  it("reports unknown images and tags with dockerd's wording", async () => {
    expect(await dockerFails(eng, ['image', 'inspect', 'no-such-image:1'])).toContain(
      'No such image: no-such-image:1',
    );
    expect(await dockerFails(eng, ['pull', `${reg.host}/busybox:missing`])).toContain(
      `manifest for ${reg.host}/busybox:missing not found: manifest unknown`,
    );
    expect(await dockerFails(eng, ['tag', 'no-such-image:1', 'x:1'])).toContain(
      'No such image: no-such-image:1',
    );
  });
});

describe('corrupt, truncated and stalled downloads', () => {
  it('refuses a blob whose digest does not match and leaves nothing behind', async () => {
    const img = await uniqueImage('corrupt');
    await corruptBlob(reg, img.layers[1]!.digest);
    const err = await dockerFails(eng, ['pull', `${reg.host}/corrupt`]);
    expect(err).toMatch(/digest|verif/i);
    expect(err).toContain(img.layers[1]!.digest);
    expect((await imageLs(eng, [`${reg.host}/corrupt`])).length).toBe(0);
    // The sibling layer may have been unpacked in the meantime; a GC (here: at restart) sweeps it.
    await eng.restart();
    expectNothingOf(img);
    expect(existsSync(blobPath(eng.dataRoot, img.configDigest))).toBe(false);
    expectNoLeftovers(eng.dataRoot);
  });

  it('resumes a download dropped half-way', async () => {
    const img = await uniqueImage('dropped');
    const digest = img.layers[0]!.digest;
    proxy.setRules([
      { path: new RegExp(`/blobs/${digest}`), method: 'GET', action: 'drop', afterBytes: 50_000, once: true },
    ]);
    await dockerOk(eng, ['pull', `${proxy.host}/dropped`]);
    const gets = proxy.hits.filter((h) => h.path.includes(digest) && h.method === 'GET');
    expect(gets[0]!.fault).toBe('drop');
    expect(gets.some((h) => String(h.headers.range ?? '').startsWith('bytes='))).toBe(true);
    expect((await imageLs(eng, [`${proxy.host}/dropped`]))[0]!.ID).toBe(img.configDigest);
    expectConsistentStore(eng.dataRoot);
  });

  it('fails cleanly when every attempt is dropped', async () => {
    const img = await uniqueImage('always-dropped');
    const digest = img.layers[0]!.digest;
    proxy.setRules([{ path: new RegExp(`/blobs/${digest}`), method: 'GET', action: 'drop', afterBytes: 0 }]);
    const res = await eng.docker(['pull', `${proxy.host}/always-dropped`], { timeoutMs: 90_000 });
    expect(res.code).not.toBe(0);
    expect(res.stderr.length).toBeGreaterThan(0);
    expect((await imageLs(eng, [`${proxy.host}/always-dropped`])).length).toBe(0);
    await eng.restart();
    expectNothingOf(img);
    expectNoLeftovers(eng.dataRoot);
  }, 120_000);

  it('resumes a stalled download (after the stall timeout)', async () => {
    const img = await uniqueImage('stalled', 1);
    const digest = img.layers[0]!.digest;
    proxy.setRules([
      {
        path: new RegExp(`/blobs/${digest}`),
        method: 'GET',
        action: 'stall',
        afterBytes: 10_000,
        once: true,
      },
    ]);
    await dockerOk(eng, ['pull', `${proxy.host}/stalled`], 90_000);
    expect((await imageLs(eng, [`${proxy.host}/stalled`]))[0]!.ID).toBe(img.configDigest);
  }, 120_000);
});

describe('hostile manifests', () => {
  const manifestRule = (repo: string, body: string, contentType: string) => ({
    path: new RegExp(`/v2/${repo}/manifests/`),
    action: 'replace' as const,
    status: 200,
    headers: { 'content-type': contentType },
    body,
  });

  it('rejects a manifest that is not JSON', async () => {
    await uniqueImage('not-json');
    proxy.setRules([
      manifestRule('not-json', 'this is not json {', 'application/vnd.docker.distribution.manifest.v2+json'),
    ]);
    const err = await dockerFails(eng, ['pull', `${proxy.host}/not-json`]);
    expect(err).toMatch(/manifest|json/i);
    expect((await imageLs(eng, [`${proxy.host}/not-json`])).length).toBe(0);
  });

  it('rejects an unsupported manifest media type and an unknown layer media type', async () => {
    await uniqueImage('weird');
    proxy.setRules([manifestRule('weird', '{"schemaVersion":2}', 'application/x-unknown-manifest')]);
    const err = await dockerFails(eng, ['pull', `${proxy.host}/weird`]);
    expect(err).toMatch(/unsupported|unknown|manifest/i);

    const img = await uniqueImage('weird-layer', 1);
    const manifest = JSON.parse(img.manifest.toString()) as { layers: Array<{ mediaType: string }> };
    manifest.layers[0]!.mediaType = 'application/vnd.example.layer.v1+lz4';
    proxy.setRules([manifestRule('weird-layer', JSON.stringify(manifest), img.manifestMediaType)]);
    const err2 = await dockerFails(eng, ['pull', `${proxy.host}/weird-layer`]);
    expect(err2).toContain('application/vnd.example.layer.v1+lz4');
    expect((await imageLs(eng, [`${proxy.host}/weird-layer`])).length).toBe(0);
    for (const c of fixtureChain(img)) expect(existsSync(layerDiffDir(eng.dataRoot, c))).toBe(false);
  });
});

describe('hostile layer tars', () => {
  const tag = randomBytes(4).toString('hex');
  /**
   * 'refused': the pull fails. 'contained': like dockerd (absolute names are relative to the layer,
   * symlinks resolve inside it as in dockerd's chroot), the entry lands inside the layer at `inside`.
   */
  const cases: Array<{
    name: string;
    entries: TarEntry[];
    outside: string;
    expect: 'refused' | 'contained';
    inside?: string;
  }> = [
    {
      name: 'dotdot',
      entries: [{ name: `../../../../../../../../tmp/berth-escape-dotdot-${tag}`, content: 'x' }],
      outside: `/tmp/berth-escape-dotdot-${tag}`,
      expect: 'refused',
    },
    {
      name: 'absolute',
      entries: [{ name: `/tmp/berth-escape-abs-${tag}`, content: 'x' }],
      outside: `/tmp/berth-escape-abs-${tag}`,
      expect: 'contained',
      inside: `tmp/berth-escape-abs-${tag}`,
    },
    {
      name: 'symlink',
      entries: [
        { name: 'tmp', type: 'directory' },
        { name: 'evil', type: 'symlink', linkname: '/tmp' },
        { name: `evil/berth-escape-sym-${tag}`, content: 'x' },
      ],
      outside: `/tmp/berth-escape-sym-${tag}`,
      expect: 'contained',
      inside: `tmp/berth-escape-sym-${tag}`,
    },
    {
      // dockerd refuses this symlink outright ("invalid symlink … breakout"); Berth clamps it at the root.
      name: 'symlink-relative',
      entries: [
        { name: 'tmp', type: 'directory' },
        { name: 'up', type: 'symlink', linkname: '../../../../../../../../tmp' },
        { name: `up/berth-escape-rel-${tag}`, content: 'x' },
      ],
      outside: `/tmp/berth-escape-rel-${tag}`,
      expect: 'contained',
      inside: `tmp/berth-escape-rel-${tag}`,
    },
    {
      name: 'hardlink',
      entries: [{ name: 'passwd', type: 'link', linkname: '../../../../../../../../etc/passwd' }],
      outside: '',
      expect: 'refused',
    },
  ];

  for (const c of cases) {
    it(`${c.expect === 'refused' ? 'refuses' : 'contains'} ${c.name} entries and writes nothing outside the layer`, async () => {
      const img = await pushHostileImage(reg, `hostile-${c.name}`, 'latest', c.entries);
      const before = new Set(readdirSync(eng.dataRoot));
      const res = await eng.docker(['pull', `${reg.host}/hostile-${c.name}`]);
      if (c.outside) expect(existsSync(c.outside)).toBe(false);
      expect(readdirSync(eng.dataRoot).filter((n) => !before.has(n))).toEqual([]);
      expect(entries(join(eng.dataRoot, 'layers', '.tmp'))).toEqual([]);
      const diff = layerDiffDir(eng.dataRoot, fixtureChain(img)[0]!);
      if (c.expect === 'refused') {
        expect(res.code, res.stdout).not.toBe(0);
        expect(res.stderr).toMatch(/escape|invalid|refus/i);
        expect((await imageLs(eng, [`${reg.host}/hostile-${c.name}`])).length).toBe(0);
        expect(existsSync(diff)).toBe(false);
      } else {
        expect(res.code, res.stderr).toBe(0);
        expect(existsSync(join(diff, c.inside!))).toBe(true);
      }
    });
  }
});

describe('crash safety', () => {
  let large: FixtureImage;
  beforeAll(async () => {
    large = await buildMultiLayerImage(reg, 'large', { layers: 4, bytesPerLayer: 30_000_000 });
  }, 180_000);

  async function expectHealthyAfterRestart(): Promise<void> {
    await eng.restart();
    expect((await eng.request('GET', '/_ping')).status).toBe(200);
    readImagesJson(eng.dataRoot); // parses
    expectNoLeftovers(eng.dataRoot);
    expectConsistentStore(eng.dataRoot);
    const listed = await imageLs(eng, ['-a']);
    const meta = readImagesJson(eng.dataRoot);
    expect(new Set(listed.map((i) => i.ID))).toEqual(new Set(Object.keys(meta.images)));
  }

  it('survives SIGKILL mid-pull and the pull then completes', async () => {
    // Stall the last layer so the kill lands while the other layers are being written.
    const last = large.layers.at(-1)!.digest;
    proxy.setRules([
      { path: new RegExp(`/blobs/${last}`), method: 'GET', action: 'stall', afterBytes: 1_000_000 },
    ]);
    const pulling = eng.docker(['pull', `${proxy.host}/large`], { timeoutMs: 120_000 });
    await waitFor(() => proxy.hits.some((h) => h.fault === 'stall'), 60_000, 'the stalled layer');
    await waitFor(() => entries(join(eng.dataRoot, 'ingest')).length > 0, 30_000, 'an ingest in progress');
    await eng.kill('SIGKILL');
    const res = await pulling;
    expect(res.code).not.toBe(0);
    proxy.setRules([]);

    await expectHealthyAfterRestart();
    expect((await imageLs(eng, [`${proxy.host}/large`])).length).toBe(0);
    await dockerOk(eng, ['pull', `${proxy.host}/large`], 120_000);
    expect((await imageLs(eng, [`${proxy.host}/large`]))[0]!.ID).toBe(large.configDigest);
    expectConsistentStore(eng.dataRoot);
  }, 240_000);

  it('survives SIGKILL during image rm and during prune', async () => {
    const ref = `${proxy.host}/large`;
    // rm: kill as soon as the request is out; either the image is all there or all gone.
    const removing = eng.docker(['image', 'rm', ref]);
    await new Promise((r) => setTimeout(r, 30));
    await eng.kill('SIGKILL');
    await removing;
    await expectHealthyAfterRestart();

    // prune -a: same, whatever was left.
    if ((await imageLs(eng, [ref])).length === 0) await dockerOk(eng, ['pull', '-q', ref], 120_000);
    const pruning = eng.docker(['image', 'prune', '-a', '-f']);
    await new Promise((r) => setTimeout(r, 50));
    await eng.kill('SIGKILL');
    await pruning;
    await expectHealthyAfterRestart();

    // And the image can be pulled (or is still there) afterwards.
    await dockerOk(eng, ['pull', '-q', ref], 120_000);
    expectConsistentStore(eng.dataRoot);
  }, 240_000);
});
