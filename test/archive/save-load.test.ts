import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startEngine, DOCKER_BIN, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { buildTar, readTar } from '../support/layers.js';
import { run } from '../support/processes.js';
import { hex, imageParts, legacyArchive, ociArchive, rootfsTar, sha256 } from './helpers.js';

let engine: TestEngine;
let reg: TestRegistry;
let fx: Fixtures;
let dir: string;

beforeAll(async () => {
  [engine, reg] = await Promise.all([startEngine(), startRegistry()]);
  fx = await pushFixtureImages(reg);
  dir = mkdtempSync(join(tmpdir(), 'berth-save-'));
});

afterAll(async () => {
  await engine?.stop();
  await reg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function docker(args: string[], input?: Buffer) {
  const r = await engine.docker(args, { input });
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- docker inspect JSON
async function inspect(name: string): Promise<any> {
  return JSON.parse(await docker(['image', 'inspect', name]))[0];
}

async function importImage(name: string, extra: string): Promise<string> {
  const tar = await rootfsTar([{ name: 'marker', content: extra }]);
  return (await docker(['import', '-', name], tar)).trim();
}

describe('docker save / load', () => {
  it('saves two images in the OCI + manifest.json layout and loads them back', async () => {
    const idA = await importImage('save-a:latest', 'a\n');
    const idB = await importImage('save-b:v2', 'b\n');
    await docker(['tag', 'save-a:latest', 'save-a:other']);
    const file = join(dir, 'two.tar');
    await docker(['save', '-o', file, 'save-a:latest', 'save-b:v2']);

    const entries = await readTar(readFileSync(file));
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    expect(JSON.parse(byName.get('oci-layout')!.content.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    // Each blob once, named by its digest.
    const blobNames = entries.filter((e) => e.header.type === 'file' && e.header.name.startsWith('blobs/'));
    expect(new Set(blobNames.map((e) => e.header.name)).size).toBe(blobNames.length);
    for (const b of blobNames) expect(hex(sha256(b.content))).toBe(b.header.name.split('/').pop());

    const index = JSON.parse(byName.get('index.json')!.content.toString());
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const names = index.manifests
      .map((m: { annotations: Record<string, string> }) => m.annotations['io.containerd.image.name'])
      .sort();
    expect(names).toEqual(['docker.io/library/save-a:latest', 'docker.io/library/save-b:v2']);
    for (const m of index.manifests) {
      expect(byName.has(`blobs/sha256/${hex(m.digest)}`)).toBe(true);
      expect(m.platform.os).toBe('linux');
      expect(m.annotations['org.opencontainers.image.ref.name']).toBe(
        m.annotations['io.containerd.image.name'].split(':').pop(),
      );
    }

    const manifest = JSON.parse(byName.get('manifest.json')!.content.toString());
    expect(manifest).toHaveLength(2);
    const a = manifest.find((m: { RepoTags: string[] }) => m.RepoTags[0] === 'save-a:latest');
    expect(a.RepoTags).toEqual(['save-a:latest']); // only the tag asked for
    expect(a.Config).toBe(`blobs/sha256/${hex(idA)}`);
    for (const l of a.Layers) expect(byName.has(l)).toBe(true);
    const repos = JSON.parse(byName.get('repositories')!.content.toString());
    expect(Object.keys(repos).sort()).toEqual(['save-a', 'save-b']);

    await docker(['rmi', 'save-a:latest', 'save-a:other', 'save-b:v2']);
    expect((await engine.docker(['image', 'inspect', idA])).code).not.toBe(0);
    const out = await docker(['load', '-i', file]);
    expect(out).toContain('Loaded image: save-a:latest');
    expect(out).toContain('Loaded image: save-b:v2');
    expect((await inspect('save-a:latest')).Id).toBe(idA);
    expect((await inspect('save-b:v2')).Id).toBe(idB);
  });

  it('saves by ID untagged and by repository name with every tag', async () => {
    const id = await importImage('repo-all:one', 'r\n');
    await docker(['tag', 'repo-all:one', 'repo-all:two']);
    const byId = join(dir, 'byid.tar');
    await docker(['save', '-o', byId, id.slice(7, 19)]);
    const m1 = JSON.parse(
      (await readTar(readFileSync(byId))).find((e) => e.header.name === 'manifest.json')!.content.toString(),
    );
    expect(m1[0].RepoTags).toBeNull();

    const byRepo = join(dir, 'byrepo.tar');
    await docker(['save', '-o', byRepo, 'repo-all']);
    const m2 = JSON.parse(
      (await readTar(readFileSync(byRepo)))
        .find((e) => e.header.name === 'manifest.json')!
        .content.toString(),
    );
    expect(m2[0].RepoTags.sort()).toEqual(['repo-all:one', 'repo-all:two']);

    await docker(['rmi', '-f', id]);
    const out = await docker(['load', '-i', byId]);
    expect(out.trim()).toBe(`Loaded image ID: ${id}`);
    expect((await inspect(id)).RepoTags).toEqual([]);
  });

  it('pipes docker save into docker load (stdin, gzip-compressed too)', async () => {
    const id = await importImage('piped:latest', 'p\n');
    const env = `DOCKER_CONFIG=${engine.dockerConfigDir}`;
    const dk = `${env} ${DOCKER_BIN} -H ${engine.host}`;
    const piped = await run('bash', ['-c', `set -o pipefail; ${dk} save piped:latest | ${dk} load`]);
    expect(piped.stdout.toString()).toContain('Loaded image: piped:latest');
    const saved = (await run('sh', ['-c', `${dk} save piped:latest`])).stdout;
    await docker(['rmi', 'piped:latest']);
    const { stdout } = await run('sh', ['-c', `${dk} load`], { input: saved });
    expect(stdout.toString()).toContain('Loaded image: piped:latest');
    expect((await inspect('piped:latest')).Id).toBe(id);

    await docker(['rmi', 'piped:latest']);
    const out = await docker(['load'], gzipSync(saved));
    expect(out).toContain('Loaded image: piped:latest');
  });

  it('keeps the manifest digest of a pulled image across save, rmi, load', async () => {
    const ref = `${reg.host}/three-layer:latest`;
    await docker(['pull', ref]);
    const before = await inspect(ref);
    const file = join(dir, 'pulled.tar');
    await docker(['save', '-o', file, ref]);
    const index = JSON.parse(
      (await readTar(readFileSync(file))).find((e) => e.header.name === 'index.json')!.content.toString(),
    );
    expect(index.manifests[0].digest).toBe(fx.threeLayer.manifestDigest);
    expect(index.manifests[0].mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    await docker(['rmi', ref]);
    expect(await docker(['load', '-i', file])).toContain(`Loaded image: ${ref}`);
    const after = await inspect(ref);
    expect(after.Id).toBe(before.Id);
    expect(after.RootFS).toEqual(before.RootFS);
    // The loaded image can be saved again to the same manifest.
    const again = join(dir, 'pulled2.tar');
    await docker(['save', '-o', again, ref]);
    const index2 = JSON.parse(
      (await readTar(readFileSync(again))).find((e) => e.header.name === 'index.json')!.content.toString(),
    );
    expect(index2.manifests[0].digest).toBe(fx.threeLayer.manifestDigest);
  });

  it('loads the legacy per-layer layout, with a shared layer linked as older docker wrote it', async () => {
    const base = await rootfsTar();
    const img1 = imageParts([base, await buildTar([{ name: 'one', content: '1\n' }])]);
    const img2 = imageParts([base, await buildTar([{ name: 'two', content: '2\n' }])]);
    const archive = await legacyArchive([
      { parts: img1, tags: ['legacy-one:latest'] },
      { parts: img2, tags: ['legacy-two:latest', 'legacy-two:extra'] },
    ]);
    const out = await docker(['load'], gzipSync(archive));
    expect(out).toContain('Loaded image: legacy-one:latest');
    expect(out).toContain('Loaded image: legacy-two:extra');
    const one = await inspect('legacy-one');
    expect(one.Id).toBe(img1.configDigest);
    expect(one.RootFS.Layers).toEqual(img1.layers.map((l) => sha256(l)));
    expect((await inspect('legacy-two:extra')).Id).toBe(img2.configDigest);

    // A manifest was written for it, so it saves (and reloads) like any other image.
    const file = join(dir, 'legacy-resave.tar');
    await docker(['save', '-o', file, 'legacy-two:latest']);
    await docker(['rmi', 'legacy-two:latest', 'legacy-two:extra']);
    expect(await docker(['load', '-i', file])).toContain('Loaded image: legacy-two:latest');
  });

  it('loads a pure OCI image layout by its annotations, keeping its manifest', async () => {
    const parts = imageParts([await rootfsTar([{ name: 'oci', content: 'yes\n' }])]);
    const { tar, manifestDigest } = await ociArchive(parts, 'docker.io/library/oci-only:1.0');
    const out = await docker(['load'], tar);
    expect(out).toContain('Loaded image: oci-only:1.0');
    expect((await inspect('oci-only:1.0')).Id).toBe(parts.configDigest);
    const file = join(dir, 'oci-resave.tar');
    await docker(['save', '-o', file, 'oci-only:1.0']);
    const index = JSON.parse(
      (await readTar(readFileSync(file))).find((e) => e.header.name === 'index.json')!.content.toString(),
    );
    expect(index.manifests[0].digest).toBe(manifestDigest);
  });

  it('moves a loaded tag off another image, leaving it dangling', async () => {
    const oldId = await importImage('moving-tag:latest', 'old\n');
    const parts = imageParts([await rootfsTar([{ name: 'new', content: 'new\n' }])]);
    const out = await docker(['load'], await legacyArchive([{ parts, tags: ['moving-tag:latest'] }]));
    expect(out).toContain(
      `The image moving-tag:latest already exists, renaming the old one with ID ${oldId} to empty string`,
    );
    expect((await inspect('moving-tag:latest')).Id).toBe(parts.configDigest);
    expect((await inspect(oldId)).RepoTags).toEqual([]);
  });

  it('answers 404 for an unknown name before writing anything', async () => {
    await importImage('exists:latest', 'e\n');
    const r = await engine.request('GET', '/images/get?names=exists:latest&names=nope-not-here:latest');
    expect(r.status).toBe(404);
    expect(r.json().message).toBe('No such image: nope-not-here:latest');
    const cli = await engine.docker(['save', '-o', join(dir, 'x.tar'), 'nope-not-here']);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('No such image: nope-not-here');
  });

  it('serves GET /images/{name}/get and streams load progress with quiet=0', async () => {
    const id = await importImage('single-get:latest', 's\n');
    const r = await engine.request('GET', '/images/single-get:latest/get');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-tar');
    const names = (await readTar(r.body)).map((e) => e.header.name);
    expect(names).toContain(`blobs/sha256/${hex(id)}`);
    await docker(['rmi', 'single-get:latest']);
    const load = await engine.request('POST', '/images/load?quiet=0', r.body);
    expect(load.status).toBe(200);
    expect(load.headers['content-type']).toBe('application/json');
    const lines = load.body
      .toString()
      .trim()
      .split(/\r?\n/)
      .map((l) => JSON.parse(l));
    expect(lines.some((l) => l.status === 'Loading layer')).toBe(true);
    expect(lines[lines.length - 1]).toEqual({ stream: 'Loaded image: single-get:latest\n' });
  });

  it('emits save and load events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await importImage('events:latest', 'ev\n');
    const file = join(dir, 'ev.tar');
    await docker(['save', '-o', file, 'events:latest']);
    await docker(['load', '-i', file]);
    const ev = await engine.request(
      'GET',
      `/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}`,
    );
    const events = ev.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const actions = events.filter((e) => e.Actor.ID === id).map((e) => e.Action);
    expect(actions).toContain('save');
    expect(actions).toContain('load');
  });
});
