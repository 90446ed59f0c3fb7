/**
 * Local image management through the real docker CLI: listing and its filters, tag, inspect,
 * history, rm (every way of naming an image, conflicts), prune, system df, push and login.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../support/engine.js';
import { basicAuth, httpRequest } from '../support/http.js';
import { pushFixtureImages, type FixtureImage, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { dockerFails, dockerOk, fixtureChain, imageLs, layerDiffDir, lsNames } from './helpers.js';

let eng: TestEngine;
let reg: TestRegistry;
let basic: TestRegistry;
let fx: Fixtures;
let r: (name: string) => string;

beforeAll(async () => {
  [eng, reg, basic] = await Promise.all([startEngine(), startRegistry(), startRegistry({ auth: 'basic' })]);
  fx = await pushFixtureImages(reg);
  r = (name) => `${reg.host}/${name}`;
});

afterAll(async () => {
  await eng?.stop();
  await reg?.stop();
  await basic?.stop();
});

/** Removes every image, so each test starts from an empty engine. */
async function removeAll(): Promise<void> {
  const ids = (await dockerOk(eng, ['image', 'ls', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length) await dockerOk(eng, ['image', 'rm', '-f', ...new Set(ids)]);
  expect(await lsNames(eng, ['-a'])).toEqual([]);
}

async function pull(...names: string[]): Promise<void> {
  for (const n of names) await dockerOk(eng, ['pull', '-q', r(n)]);
}

/** dockerd's layer size: lstat sizes of everything but directories, hardlinks once. */
function diffSize(dir: string): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size > 0 && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  };
  walk(dir);
  return total;
}

const layerSize = (chainId: string) =>
  (
    JSON.parse(readFileSync(join(eng.dataRoot, 'layers', chainId.slice(7), 'layer.json'), 'utf8')) as {
      size: number;
    }
  ).size;
const imageSize = (img: FixtureImage) => fixtureChain(img).reduce((n, c) => n + layerSize(c), 0);
const short = (id: string) => id.slice(7, 19);

beforeEach(removeAll);

describe('image ls', () => {
  it('lists with -q, -a, --digests and by REPO / REPO:TAG', async () => {
    await pull('busybox', 'three-layer', 'zstd', 'plain');
    const q = (await dockerOk(eng, ['image', 'ls', '-q'])).stdout.trim().split('\n');
    // Newest first.
    expect(q).toEqual([fx.plain, fx.zstd, fx.threeLayer, fx.busybox].map((i) => short(i.configDigest)));
    expect((await dockerOk(eng, ['image', 'ls', '-aq'])).stdout.trim().split('\n')).toEqual(q);
    const digests = await imageLs(eng, ['--digests']);
    expect(digests.find((i) => i.Repository === r('busybox'))).toMatchObject({
      Tag: 'latest',
      Digest: fx.busybox.manifestDigest,
      ID: fx.busybox.configDigest,
    });
    expect(await lsNames(eng, [r('busybox')])).toEqual([`${r('busybox')}:latest`]);
    expect(await lsNames(eng, [`${r('busybox')}:latest`])).toEqual([`${r('busybox')}:latest`]);
    expect(await lsNames(eng, [`${r('busybox')}:nope`])).toEqual([]);
    const table = await dockerOk(eng, ['image', 'ls']);
    expect(table.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  });

  it('filters by since, before, reference, label and dangling', async () => {
    await pull('busybox', 'three-layer', 'zstd', 'plain');
    expect(await lsNames(eng, ['-f', `since=${r('three-layer')}`])).toEqual([
      `${r('plain')}:latest`,
      `${r('zstd')}:latest`,
    ]);
    expect(await lsNames(eng, ['-f', `before=${r('zstd')}`])).toEqual([
      `${r('busybox')}:latest`,
      `${r('three-layer')}:latest`,
    ]);
    expect(await lsNames(eng, ['-f', `reference=${reg.host}/[tp]*`])).toEqual([
      `${r('plain')}:latest`,
      `${r('three-layer')}:latest`,
    ]);
    expect(await lsNames(eng, ['-f', 'label=org.berth.test.fixture=zstd'])).toEqual([`${r('zstd')}:latest`]);
    expect((await lsNames(eng, ['-f', 'label=org.berth.test.fixture'])).length).toBe(4);
    expect(await lsNames(eng, ['-f', 'dangling=true'])).toEqual([]);

    // A second tag shows only the matching reference under a reference filter.
    await dockerOk(eng, ['tag', r('busybox'), 'local/other:1']);
    expect(await lsNames(eng, ['-f', 'reference=local/*'])).toEqual(['local/other:1']);
    expect(await lsNames(eng, [r('busybox')])).toEqual([`${r('busybox')}:latest`]);

    const bad = await dockerFails(eng, ['image', 'ls', '-f', 'bogus=1']);
    expect(bad).toContain("invalid filter 'bogus'");
  });
});

describe('tag, inspect, history', () => {
  it('tags and inspects with the fields docker shows', async () => {
    await pull('three-layer');
    await dockerOk(eng, ['tag', r('three-layer'), 'mine:v1']);
    await dockerOk(eng, ['tag', fx.threeLayer.configDigest.slice(7, 14), 'mine:v2']);
    const [info] = JSON.parse((await dockerOk(eng, ['image', 'inspect', 'mine:v1'])).stdout);
    expect(info.Id).toBe(fx.threeLayer.configDigest);
    expect(info.RepoTags.sort()).toEqual([`${r('three-layer')}:latest`, 'mine:v1', 'mine:v2'].sort());
    expect(info.RepoDigests).toEqual([`${r('three-layer')}@${fx.threeLayer.manifestDigest}`]);
    expect(info.Config.Cmd).toEqual(['sh']);
    expect(info.Config.Labels).toEqual({ 'org.berth.test.fixture': 'three-layer' });
    expect(info.RootFS).toEqual({ Type: 'layers', Layers: fx.threeLayer.layers.map((l) => l.diffId) });
    expect(info.Architecture).toBe('amd64');
    expect(info.Os).toBe('linux');
    expect(info.Created).toBe(fx.threeLayer.config.created);
    // Size is the unpacked size of the layers, counted like dockerd counts a directory.
    const chain = fixtureChain(fx.threeLayer);
    expect(info.Size).toBe(chain.reduce((n, c) => n + diffSize(layerDiffDir(eng.dataRoot, c)), 0));
    expect(info.Size).toBe(imageSize(fx.threeLayer));

    const missing = await dockerFails(eng, ['image', 'inspect', 'nothing-here']);
    expect(missing).toContain('No such image: nothing-here');
    expect(await dockerFails(eng, ['tag', 'nothing-here', 'x:1'])).toContain('No such image: nothing-here');
  });

  it('shows history newest first with layer sizes', async () => {
    await pull('three-layer');
    const out = await dockerOk(eng, [
      'history',
      '--no-trunc',
      '--human=false',
      '--format',
      '{{json .}}',
      r('three-layer'),
    ]);
    const rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { ID: string; CreatedBy: string; Size: string });
    const hist = [...fx.threeLayer.config.history].reverse();
    expect(rows.map((x) => x.CreatedBy)).toEqual(hist.map((h) => h.created_by));
    expect(rows[0]!.ID).toBe(fx.threeLayer.configDigest);
    expect(rows.slice(1).every((x) => x.ID === '<missing>')).toBe(true);
    const chain = fixtureChain(fx.threeLayer);
    expect(rows.map((x) => Number(x.Size))).toEqual([0, ...chain.map(layerSize).reverse()]);
  });
});

describe('image rm', () => {
  const deletedLines = (img: FixtureImage, repo: string) => [
    `Untagged: ${repo}:latest`,
    `Untagged: ${repo}@${img.manifestDigest}`,
    `Deleted: ${img.configDigest}`,
    ...fixtureChain(img)
      .reverse()
      .map((c) => `Deleted: ${c}`),
  ];

  it('removes by short ID, full ID, name, name:tag and `$(docker image ls -q REPO)`', async () => {
    const ways = [
      fx.busybox.configDigest.slice(7, 10),
      fx.busybox.configDigest,
      r('busybox'),
      `${r('busybox')}:latest`,
      'LS-Q',
    ];
    for (const way of ways) {
      await pull('busybox');
      const arg =
        way === 'LS-Q' ? (await dockerOk(eng, ['image', 'ls', '-q', r('busybox')])).stdout.trim() : way;
      const out = await dockerOk(eng, ['image', 'rm', arg]);
      expect(out.stdout.trim().split('\n'), way).toEqual(deletedLines(fx.busybox, r('busybox')));
      expect(await lsNames(eng, ['-a'])).toEqual([]);
      expect(readdirSync(join(eng.dataRoot, 'layers')).filter((n) => n !== '.tmp')).toEqual([]);
    }
  });

  it('removing by digest untags only that digest; one of several tags only untags', async () => {
    await pull('busybox');
    await dockerOk(eng, ['tag', r('busybox'), 'other:1']);
    const byDigest = await dockerOk(eng, ['image', 'rm', `${r('busybox')}@${fx.busybox.manifestDigest}`]);
    expect(byDigest.stdout.trim()).toBe(`Untagged: ${r('busybox')}@${fx.busybox.manifestDigest}`);
    const oneTag = await dockerOk(eng, ['image', 'rm', 'other:1']);
    expect(oneTag.stdout.trim()).toBe('Untagged: other:1');
    expect(await lsNames(eng)).toEqual([`${r('busybox')}:latest`]);
    // The last tag deletes the image.
    const last = await dockerOk(eng, ['image', 'rm', r('busybox')]);
    expect(last.stdout).toContain(`Deleted: ${fx.busybox.configDigest}`);
  });

  it("refuses to delete by ID an image in several repositories (dockerd's 409), -f forces it", async () => {
    await pull('busybox');
    await dockerOk(eng, ['tag', r('busybox'), 'other:1']);
    const id = fx.busybox.configDigest;
    const err = await dockerFails(eng, ['image', 'rm', short(id)]);
    expect(err.trim()).toBe(
      `Error response from daemon: conflict: unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories`,
    );
    const api = await eng.request('DELETE', `/images/${id}`);
    expect(api.status).toBe(409);
    const forced = await dockerOk(eng, ['image', 'rm', '-f', short(id)]);
    const lines = forced.stdout.trim().split('\n');
    expect(lines).toContain('Untagged: other:1');
    expect(lines).toContain(`Untagged: ${r('busybox')}:latest`);
    expect(lines).toContain(`Deleted: ${id}`);
    expect(await lsNames(eng, ['-a'])).toEqual([]);
  });

  it('--no-prune and unknown images', async () => {
    await pull('busybox');
    const out = await dockerOk(eng, ['image', 'rm', '--no-prune', r('busybox')]);
    expect(out.stdout).toContain(`Deleted: ${fx.busybox.configDigest}`);
    const missing = await dockerFails(eng, ['image', 'rm', 'nothing-here:1']);
    expect(missing).toContain('No such image: nothing-here:1');
    const api = await eng.request('DELETE', '/images/nothing-here:1');
    expect(api.status).toBe(404);
    expect(api.json()).toEqual({ message: 'No such image: nothing-here:1' });
  });
});

describe('prune and disk usage', () => {
  async function makeDangling(): Promise<void> {
    await fx.moving.moveTo('v1');
    await pull('moving');
    await fx.moving.moveTo('v2');
    await pull('moving');
  }

  it('prunes dangling images only, reporting reclaimed space', async () => {
    await pull('busybox');
    await makeDangling();
    const v1Only = layerSize(fixtureChain(fx.moving.v1)[1]!);
    const res = await eng.request('POST', '/images/prune');
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.SpaceReclaimed).toBe(v1Only);
    expect(body.ImagesDeleted).toEqual([
      { Untagged: `${r('moving')}@${fx.moving.v1.manifestDigest}` },
      { Deleted: fx.moving.v1.configDigest },
      { Deleted: fixtureChain(fx.moving.v1)[1] },
    ]);
    expect(await lsNames(eng, ['-a'])).toEqual([`${r('busybox')}:latest`, `${r('moving')}:latest`]);
    const again = await dockerOk(eng, ['image', 'prune', '-f']);
    expect(again.stdout.trim()).toBe('Total reclaimed space: 0B');
  });

  it('prune -a with until= and label= filters, through the CLI', async () => {
    await pull('busybox', 'three-layer', 'zstd', 'plain');
    const plainSize = imageSize(fx.plain);
    const byLabel = await dockerOk(eng, [
      'image',
      'prune',
      '-a',
      '-f',
      '--filter',
      'label=org.berth.test.fixture=zstd',
    ]);
    expect(byLabel.stdout).toContain(`deleted: ${fx.zstd.configDigest}`);
    expect(byLabel.stdout).toMatch(/Total reclaimed space: [\d.]+[kM]?B/);
    expect(await lsNames(eng)).not.toContain(`${r('zstd')}:latest`);
    const byDate = await dockerOk(eng, [
      'image',
      'prune',
      '-a',
      '-f',
      '--filter',
      'until=2024-01-03T00:00:00Z',
    ]);
    expect(byDate.stdout).toContain(`untagged: ${r('busybox')}:latest`);
    expect(byDate.stdout).toContain(`deleted: ${fx.threeLayer.configDigest}`);
    expect(await lsNames(eng)).toEqual([`${r('plain')}:latest`]);
    const all = await eng.request(
      'POST',
      '/images/prune?filters=' + encodeURIComponent('{"dangling":["false"]}'),
    );
    expect(all.json().SpaceReclaimed).toBe(plainSize);
    expect(await lsNames(eng, ['-a'])).toEqual([]);
  });

  it('system df numbers match the layers', async () => {
    await fx.moving.moveTo('v2');
    await pull('busybox', 'moving', 'zstd');
    const df = (await eng.request('GET', '/system/df')).json();
    const layers = readdirSync(join(eng.dataRoot, 'layers')).filter((n) => n !== '.tmp');
    const onDisk = layers.reduce((n, hex) => n + layerSize(`sha256:${hex}`), 0);
    expect(df.LayersSize).toBe(onDisk);
    const byId = new Map<string, { Size: number; SharedSize: number; Containers: number }>(
      df.Images.map((i: { Id: string }) => [i.Id, i]),
    );
    const base = layerSize(fixtureChain(fx.busybox)[0]!);
    expect(byId.get(fx.busybox.configDigest)).toMatchObject({
      Size: imageSize(fx.busybox),
      SharedSize: base,
      Containers: 0,
    });
    expect(byId.get(fx.moving.v2.configDigest)).toMatchObject({
      Size: imageSize(fx.moving.v2),
      SharedSize: base,
    });
    expect(byId.get(fx.zstd.configDigest)).toMatchObject({ Size: imageSize(fx.zstd), SharedSize: 0 });

    const cli = await dockerOk(eng, ['system', 'df', '--format', '{{json .}}']);
    const images = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((x: { Type: string }) => x.Type === 'Images');
    expect(images).toMatchObject({ TotalCount: '3', Active: '0' });
    const verbose = await dockerOk(eng, ['system', 'df', '-v']);
    expect(verbose.stdout).toContain('Images space usage:');
    for (const img of [fx.busybox, fx.moving.v2, fx.zstd])
      expect(verbose.stdout).toContain(short(img.configDigest));
  });
});

describe('push and login', () => {
  it('pushes to another repository with a cross-repo mount, then "Layer already exists"', async () => {
    await pull('busybox');
    await dockerOk(eng, ['tag', r('busybox'), r('copy:v1')]);
    const id = short(fx.busybox.layers[0]!.diffId);
    const out = await dockerOk(eng, ['push', r('copy:v1')]);
    expect(out.stdout.split('\n')).toEqual([
      `The push refers to repository [${r('copy')}]`,
      `${id}: Preparing`,
      `${id}: Mounted from busybox`,
      `v1: digest: ${fx.busybox.manifestDigest} size: ${fx.busybox.manifest.length}`,
      '',
    ]);
    const again = await dockerOk(eng, ['push', r('copy:v1')]);
    expect(again.stdout).toContain(`${id}: Layer already exists`);
    const manifest = await httpRequest(`${reg.url}/v2/copy/manifests/v1`, {
      headers: { accept: fx.busybox.manifestMediaType },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(fx.busybox.manifest)).toBe(true);
    const missing = await dockerFails(eng, ['push', r('never-pulled:1')]);
    expect(missing).toContain('An image does not exist locally with the tag');
  });

  it('docker login fails with a wrong password, then push to a Basic-auth registry works', async () => {
    await pull('busybox');
    const target = `${basic.host}/pushed:v1`;
    await dockerOk(eng, ['tag', r('busybox'), target]);
    const bad = await eng.docker(['login', '-u', basic.username!, '--password-stdin', basic.host], {
      input: 'nope\n',
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('401 Unauthorized');
    const ok = await eng.docker(['login', '-u', basic.username!, '--password-stdin', basic.host], {
      input: basic.password + '\n',
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Login Succeeded');
    const out = await dockerOk(eng, ['push', target]);
    expect(out.stdout).toContain(`${short(fx.busybox.layers[0]!.diffId)}: Pushed`);
    expect(out.stdout).toContain(`v1: digest: ${fx.busybox.manifestDigest}`);
    const head = await httpRequest(`${basic.url}/v2/pushed/manifests/v1`, {
      method: 'HEAD',
      headers: {
        authorization: basicAuth(basic.username!, basic.password!),
        accept: fx.busybox.manifestMediaType,
      },
    });
    expect(head.status).toBe(200);
  });
});
