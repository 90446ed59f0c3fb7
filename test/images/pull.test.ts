/**
 * `docker pull` through the real CLI against `berth engine` and real registries: layer formats,
 * whiteouts in overlay form, platforms, digests, moving tags, progress output, auth, TLS, mirrors.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../support/engine.js';
import { httpRequest } from '../support/http.js';
import { busyboxLayer, pushFixtureImages, pushImage, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { dockerFails, dockerOk, fixtureChain, imageLs, layerDiffDir, lsNames } from './helpers.js';

let eng: TestEngine;
let reg: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;
let tls: TestRegistry;
let mirror: TestRegistry;
let fx: Fixtures;
let certsDir: string;

beforeAll(async () => {
  [reg, basic, token, tls, mirror] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: 'basic' }),
    startRegistry({ auth: 'token' }),
    startRegistry({ tls: true }),
    startRegistry(),
  ]);
  const base = await busyboxLayer();
  [fx] = await Promise.all([
    pushFixtureImages(reg),
    pushImage(basic, 'private', 'latest', [base]),
    pushImage(token, 'private', 'latest', [base]),
    pushImage(tls, 'secure', 'latest', [base]),
    // The mirror holds Docker Hub's `library/busybox`.
    pushImage(mirror, 'library/busybox', 'latest', [base], {
      config: { config: { Labels: { 'org.berth.test.fixture': 'mirror' } } },
    }),
  ]);
  certsDir = mkdtempSync(join(tmpdir(), 'berth-certs-'));
  mkdirSync(join(certsDir, tls.host));
  execFileSync('cp', [tls.caCertPath!, join(certsDir, tls.host, 'ca.crt')]);
  eng = await startEngine({ config: { 'registry-mirrors': [mirror.url], 'certs-dir': certsDir } });
});

afterAll(async () => {
  await eng?.stop();
  await Promise.all([reg, basic, token, tls, mirror].map((r) => r?.stop()));
  if (certsDir) rmSync(certsDir, { recursive: true, force: true });
});

const short = (d: string) => d.slice(7, 19);

describe('pull', () => {
  it("pulls a single-layer image and prints dockerd's progress lines", async () => {
    const ref = `${reg.host}/busybox`;
    const id = short(fx.busybox.layers[0]!.digest);
    const first = await dockerOk(eng, ['pull', ref]);
    expect(first.stdout.split('\n')).toEqual([
      'Using default tag: latest',
      `latest: Pulling from ${reg.host}/busybox`,
      `${id}: Pulling fs layer`,
      `${id}: Verifying Checksum`,
      `${id}: Download complete`,
      `${id}: Pull complete`,
      `Digest: ${fx.busybox.manifestDigest}`,
      `Status: Downloaded newer image for ${ref}:latest`,
      `${ref}:latest`,
      '',
    ]);
    // A second pull changes nothing and says so, without per-layer lines (as dockerd).
    const again = await dockerOk(eng, ['pull', ref]);
    expect(again.stdout.split('\n')).toEqual([
      'Using default tag: latest',
      `latest: Pulling from ${reg.host}/busybox`,
      `Digest: ${fx.busybox.manifestDigest}`,
      `Status: Image is up to date for ${ref}:latest`,
      `${ref}:latest`,
      '',
    ]);
    const inspect = await dockerOk(eng, [
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{json .RepoDigests}}',
      ref,
    ]);
    expect(inspect.stdout.trim()).toBe(
      `${fx.busybox.configDigest} ${JSON.stringify([`${ref}@${fx.busybox.manifestDigest}`])}`,
    );
  });

  it('unpacks whiteouts and opaque directories in overlayfs form', async () => {
    await dockerOk(eng, ['pull', `${reg.host}/three-layer`]);
    const [l1, l2, l3] = fixtureChain(fx.threeLayer).map((c) => layerDiffDir(eng.dataRoot, c));
    expect(readFileSync(join(l1!, 'data/a'), 'utf8')).toBe('a\n');
    const wh = lstatSync(join(l2!, 'data/a'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(existsSync(join(l2!, 'data/.wh.a'))).toBe(false);
    const opq = execFileSync('getfattr', [
      '--only-values',
      '-n',
      'trusted.overlay.opaque',
      join(l3!, 'etc/dir'),
    ]);
    expect(opq.toString()).toBe('y');
    expect(readdirSync(join(l3!, 'etc/dir'))).toEqual(['y']);

    // The real kernel overlayfs sees the merged view.
    const mnt = mkdtempSync(join(tmpdir(), 'berth-ovl-'));
    try {
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${l3}:${l2}:${l1}`, mnt]);
      try {
        expect(readdirSync(join(mnt, 'data')).sort()).toEqual(['b', 'c']);
        expect(existsSync(join(mnt, 'data/a'))).toBe(false);
        expect(readdirSync(join(mnt, 'etc/dir'))).toEqual(['y']);
        expect(existsSync(join(mnt, 'bin/busybox'))).toBe(true);
      } finally {
        execFileSync('umount', [mnt]);
      }
    } finally {
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('picks the platform from a multi-platform index', async () => {
    const ref = `${reg.host}/multi`;
    const [amd64, arm64] = fx.multi.images;
    await dockerOk(eng, ['pull', '--platform', 'linux/arm64', ref]);
    const arm = await dockerOk(eng, [
      'image',
      'inspect',
      '--format',
      '{{.Id}} {{.Architecture}} {{.Variant}}',
      ref,
    ]);
    expect(arm.stdout.trim()).toBe(`${arm64!.configDigest} arm64 v8`);
    const armLayer = layerDiffDir(eng.dataRoot, fixtureChain(arm64!)[0]!);
    expect(readFileSync(join(armLayer, 'platform'), 'utf8')).toBe('linux/arm64/v8\n');

    await dockerOk(eng, ['pull', ref]);
    const amd = await dockerOk(eng, ['image', 'inspect', '--format', '{{.Id}} {{.Architecture}}', ref]);
    expect(amd.stdout.trim()).toBe(`${amd64!.configDigest} amd64`);
    const amdLayer = layerDiffDir(eng.dataRoot, fixtureChain(amd64!)[0]!);
    expect(readFileSync(join(amdLayer, 'platform'), 'utf8')).toBe('linux/amd64\n');
    // The repo digest is the index's, as docker shows it.
    const digests = await dockerOk(eng, ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
    expect(JSON.parse(digests.stdout)).toEqual([`${ref}@${fx.multi.indexDigest}`]);
  });

  it('pulls zstd and uncompressed layers', async () => {
    for (const [name, img] of [
      ['zstd', fx.zstd],
      ['plain', fx.plain],
    ] as const) {
      await dockerOk(eng, ['pull', `${reg.host}/${name}`]);
      const dir = layerDiffDir(eng.dataRoot, fixtureChain(img)[0]!);
      expect(readFileSync(join(dir, 'fixture'), 'utf8')).toBe(`${name}\n`);
    }
  });

  it('pulls by digest: no tag, a repo digest', async () => {
    const ref = `${reg.host}/moving@${fx.moving.v2.manifestDigest}`;
    const out = await dockerOk(eng, ['pull', ref]);
    expect(out.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
    const listed = (await imageLs(eng, ['--digests', `${reg.host}/moving`])).find(
      (i) => i.ID === fx.moving.v2.configDigest,
    );
    expect(listed).toMatchObject({ Tag: '<none>', Digest: fx.moving.v2.manifestDigest });
    await dockerOk(eng, ['image', 'rm', ref]);
  });

  it('leaves the old image dangling when a tag moves', async () => {
    const ref = `${reg.host}/moving:latest`;
    await fx.moving.moveTo('v1');
    await dockerOk(eng, ['pull', ref]);
    await fx.moving.moveTo('v2');
    const second = await dockerOk(eng, ['pull', ref]);
    const base = short(fx.moving.v2.layers[0]!.digest);
    const top = short(fx.moving.v2.layers[1]!.digest);
    expect(second.stdout).toContain(`${base}: Already exists`);
    expect(second.stdout).toContain(`${top}: Pull complete`);
    expect(second.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
    const dangling = await imageLs(eng, ['-f', 'dangling=true']);
    expect(dangling.map((i) => i.ID)).toContain(fx.moving.v1.configDigest);
    // Untagged but still carrying its repo digest: docker lists it as `REPO <none>`.
    expect(dangling.find((i) => i.ID === fx.moving.v1.configDigest)).toMatchObject({
      Repository: `${reg.host}/moving`,
      Tag: '<none>',
    });
    const inspectOld = await dockerOk(eng, [
      'image',
      'inspect',
      '--format',
      '{{json .RepoTags}}',
      fx.moving.v1.configDigest,
    ]);
    expect(JSON.parse(inspectOld.stdout)).toEqual([]);
    const current = await dockerOk(eng, ['image', 'inspect', '--format', '{{.Id}}', ref]);
    expect(current.stdout.trim()).toBe(fx.moving.v2.configDigest);
  });

  it("reports unknown tags and repositories with dockerd's wording", async () => {
    expect(await dockerFails(eng, ['pull', `${reg.host}/busybox:nope`])).toContain(
      `Error response from daemon: manifest for ${reg.host}/busybox:nope not found: manifest unknown: manifest unknown`,
    );
    expect(await dockerFails(eng, ['pull', `${reg.host}/no-such-repo`])).toContain(
      `manifest for ${reg.host}/no-such-repo:latest not found`,
    );
    expect(await lsNames(eng, [`${reg.host}/no-such-repo`])).toEqual([]);
  });

  it('runs concurrent pulls of the same image once', async () => {
    const layers = [
      await busyboxLayer(),
      { entries: [{ name: 'one', content: '1\n' }] },
      { entries: [{ name: 'two', content: '2\n' }] },
    ];
    const img = await pushImage(reg, 'concurrent', 'latest', layers);
    const ref = `${reg.host}/concurrent:latest`;
    const results = await Promise.all([1, 2, 3].map(() => eng.docker(['pull', ref])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const listed = await imageLs(eng, [`${reg.host}/concurrent`]);
    expect(listed.map((i) => i.ID)).toEqual([img.configDigest]);
    for (const c of fixtureChain(img)) expect(existsSync(layerDiffDir(eng.dataRoot, c))).toBe(true);
    expect(readdirSync(join(eng.dataRoot, 'layers', '.tmp'))).toEqual([]);
  });
});

describe('registries that need credentials, TLS or a mirror', () => {
  it('Basic auth: pull fails without login, works after docker login', async () => {
    const ref = `${basic.host}/private:latest`;
    // Through the API: a 401 (the CLI would then prompt for a login, as it does with dockerd).
    const denied = await eng.request('POST', `/images/create?fromImage=${basic.host}/private&tag=latest`);
    expect(denied.status).toBe(401);
    expect(denied.json().message).toContain('no basic auth credentials');
    const bad = await eng.docker(['login', '-u', basic.username!, '--password-stdin', basic.host], {
      input: 'wrong-password\n',
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unauthorized|401|authentication required/i);
    const login = await eng.docker(['login', '-u', basic.username!, '--password-stdin', basic.host], {
      input: basic.password + '\n',
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    await dockerOk(eng, ['pull', ref]);
    await dockerOk(eng, ['logout', basic.host]);
  });

  it('token auth: docker login then pull', async () => {
    const ref = `${token.host}/private:latest`;
    const denied = await eng.request('POST', `/images/create?fromImage=${token.host}/private&tag=latest`);
    expect(denied.status).toBe(401);
    expect(denied.json().message).toBe('unauthorized: authentication required');
    const login = await eng.docker(['login', '-u', token.username!, '--password-stdin', token.host], {
      input: token.password + '\n',
    });
    expect(login.code, login.stderr).toBe(0);
    await dockerOk(eng, ['pull', ref]);
    expect(token.token!.requests.length).toBeGreaterThan(0);
  });

  it('TLS registry with a CA in certs-dir', async () => {
    await dockerOk(eng, ['pull', `${tls.host}/secure:latest`]);
    const ids = await imageLs(eng, [`${tls.host}/secure`]);
    expect(ids).toHaveLength(1);
  });

  it('serves Docker Hub images from the configured mirror', async () => {
    // Guard: only run the pull if the mirror really has the image, so nothing falls back to the Hub.
    const probe = await httpRequest(`${mirror.url}/v2/library/busybox/manifests/latest`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(probe.status).toBe(200);
    const out = await dockerOk(eng, ['pull', 'busybox']);
    expect(out.stdout).toContain('Status: Downloaded newer image for busybox:latest');
    expect(out.stdout.trim().split('\n').at(-1)).toBe('docker.io/library/busybox:latest');
    const label = await dockerOk(eng, [
      'image',
      'inspect',
      '--format',
      '{{index .Config.Labels "org.berth.test.fixture"}}',
      'busybox',
    ]);
    expect(label.stdout.trim()).toBe('mirror');
    expect(readFileSync(mirror.logPath, 'utf8')).toContain('/v2/library/busybox/manifests/latest');
  });
});
