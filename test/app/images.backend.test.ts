// The images handlers against a real engine and real loopback registries: pull with per-layer
// progress, cancel (the engine stops downloading), tag, remove conflicts, prune preview = prune,
// registry login stored like `docker login`, push with those credentials.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferEvent } from '../../electron/contract/images.js';
import { startEngine, type TestEngine } from '../support/engine.js';
import {
  buildMultiLayerImage,
  pushFixtureImages,
  type FixtureImage,
  type Fixtures,
} from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { bridgeTo, CallError, type TestBridge } from './images.helpers.js';
import { startThrottleProxy, type ThrottleProxy } from './images.throttle.js';

let reg: TestRegistry;
let authReg: TestRegistry;
let fx: Fixtures;
let big: FixtureImage;
let slow: ThrottleProxy;
let engine: TestEngine;
let bridge: TestBridge;
let configDir: string;

beforeAll(async () => {
  [reg, authReg] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
  fx = await pushFixtureImages(reg);
  big = await buildMultiLayerImage(reg, 'big', { layers: 3, bytesPerLayer: 8_000_000 });
  slow = await startThrottleProxy(reg.url, 1_000_000);
  // The engine gets its own empty docker config: credentials must come from the app, not from it.
  const engineConfig = mkdtempSync(join(tmpdir(), 'berth-img-engine-cfg-'));
  engine = await startEngine({
    config: { 'insecure-registries': [reg.host, authReg.host, slow.host] },
    env: { DOCKER_CONFIG: engineConfig },
  });
  configDir = mkdtempSync(join(tmpdir(), 'berth-img-docker-cfg-'));
  process.env.DOCKER_CONFIG = configDir;
  bridge = bridgeTo(engine.socket);
});

afterAll(async () => {
  bridge?.close();
  delete process.env.DOCKER_CONFIG;
  await engine?.stop();
  await slow?.stop();
  await Promise.all([reg?.stop(), authReg?.stop()]);
});

async function pullAll(ref: string): Promise<TransferEvent[]> {
  const sub = bridge.subscribe('images.pull', { ref });
  const err = await sub.ended;
  if (err) throw new CallError(err);
  return sub.events;
}

async function expectError(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CallError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const byId = async (id: string) => (await bridge.call('images.list', {})).find((i) => i.id === id);

describe('images backend', () => {
  it('pulls with per-layer progress and an overall figure, then lists the image', async () => {
    const events = await pullAll(fx.threeLayer.ref);
    const layerEvents = events.filter((e) => e.kind === 'layer');
    const ids = new Set(layerEvents.map((e) => e.layer.id));
    expect(ids.size).toBe(3);
    // Every layer went through download to completion, with byte counts on the way.
    for (const id of ids) {
      const phases = layerEvents.filter((e) => e.layer.id === id).map((e) => e.layer.phase);
      expect(phases.at(-1)).toBe('done');
    }
    expect(layerEvents.some((e) => e.layer.phase === 'downloading' && (e.layer.total ?? 0) > 0)).toBe(true);
    const done = events.at(-1)!;
    expect(done.kind).toBe('done');
    if (done.kind !== 'done') throw new Error('unreachable');
    expect(done.overall).toMatchObject({ layersDone: 3, layersTotal: 3 });
    expect(done.overall.current).toBe(done.overall.total);
    expect(done.digest).toBe(fx.threeLayer.manifestDigest);
    expect(bridge.notices.at(-1)).toMatchObject({ title: 'Pull complete' });

    const img = await byId(fx.threeLayer.configDigest);
    expect(img).toMatchObject({
      repoTags: [fx.threeLayer.ref],
      inUse: false,
      dangling: false,
      containers: 0,
    });
    expect(img!.size).toBeGreaterThan(0);
    expect(img!.created).toBe(Date.parse('2024-01-02T00:00:00Z') / 1000);
    // A second pull is up to date and says so.
    const again = await pullAll(fx.threeLayer.ref);
    expect(again.at(-1)).toMatchObject({ kind: 'done', upToDate: true });
  });

  it('fails a pull of a missing image with the engine message', async () => {
    const sub = bridge.subscribe('images.pull', { ref: `${reg.host}/nope:latest` });
    const err = await sub.ended;
    expect(err?.message).toMatch(/not found|does not exist|unknown/i);
  });

  it('cancels a pull when the client unsubscribes, and the engine stops downloading', async () => {
    const ref = `${slow.host}/big:latest`;
    const noticesBefore = bridge.notices.length;
    const sub = bridge.subscribe('images.pull', { ref });
    await sub.waitFor(
      (e) => e.kind === 'layer' && e.layer.phase === 'downloading' && (e.layer.current ?? 0) > 0,
    );
    expect(slow.inFlight()).toBeGreaterThan(0);
    sub.close();
    // The aborted request makes the engine cancel its blob downloads.
    await expect.poll(() => slow.inFlight(), { timeout: 10_000 }).toBe(0);
    const sent = slow.bytesSent();
    await new Promise((r) => setTimeout(r, 500));
    expect(slow.bytesSent()).toBe(sent);
    expect(sent).toBeLessThan(3 * 8_000_000);
    expect(await byId(big.configDigest)).toBeUndefined();
    // A cancel is not a failure worth a notification.
    expect(bridge.notices.length).toBe(noticesBefore);
  });

  it('tags an image and inspects it, with history in build order', async () => {
    const newRef = await bridge.call('images.tag', {
      id: fx.threeLayer.configDigest,
      target: 'local/renamed',
    });
    expect(newRef).toBe('local/renamed:latest');
    expect((await byId(fx.threeLayer.configDigest))!.repoTags.sort()).toEqual(
      [fx.threeLayer.ref, 'local/renamed:latest'].sort(),
    );
    const details = await bridge.call('images.inspect', { id: 'local/renamed' });
    expect(details.id).toBe(fx.threeLayer.configDigest);
    expect(details.layers).toHaveLength(3);
    expect(details.os).toBe('linux');
    expect((details.raw as { Id: string }).Id).toBe(fx.threeLayer.configDigest);
    const history = await bridge.call('images.history', { id: fx.threeLayer.configDigest });
    expect(history.map((h) => h.createdBy)).toEqual(fx.threeLayer.config.history.map((h) => h.created_by));
    expect(history.filter((h) => h.size > 0)).toHaveLength(3);
    await expectError(bridge.call('images.tag', { id: fx.threeLayer.configDigest, target: 'x@sha256:abc' }));
  });

  it('explains a remove conflict with a 409 and the engine message, and removes with force', async () => {
    await pullAll(fx.busybox.ref);
    const created = await engine.docker(['create', '--name', 'img-user', fx.busybox.ref, 'true']);
    expect(created.code, created.stderr).toBe(0);
    const img = await byId(fx.busybox.configDigest);
    expect(img).toMatchObject({ inUse: true, containers: 1, runningContainers: 0, dangling: false });
    const details = await bridge.call('images.inspect', { id: fx.busybox.configDigest });
    expect(details.containers).toEqual([expect.objectContaining({ name: 'img-user', state: 'created' })]);

    const byIdErr = await expectError(bridge.call('images.remove', { id: fx.busybox.configDigest }));
    expect(byIdErr.error.status).toBe(409);
    expect(byIdErr.error.message).toMatch(/image is being used by stopped container [0-9a-f]{12}/);
    const byRefErr = await expectError(bridge.call('images.remove', { id: fx.busybox.ref }));
    expect(byRefErr.error.status).toBe(409);
    expect(byRefErr.error.message).toMatch(/must force/);

    // Force removes an image only stopped containers use (as dockerd does).
    const removed = await bridge.call('images.remove', { id: fx.busybox.ref, force: true });
    expect(removed.untagged).toEqual(expect.arrayContaining([expect.stringContaining('busybox')]));
    expect(removed.deleted).toContain(fx.busybox.configDigest);
    expect(await byId(fx.busybox.configDigest)).toBeUndefined();
    await engine.docker(['rm', 'img-user']);

    // A running container's image cannot be deleted even with force; the message says why.
    await pullAll(fx.busybox.ref);
    const run = await engine.docker(['run', '-d', '--name', 'img-runner', fx.busybox.ref, 'sleep', '300']);
    expect(run.code, run.stderr).toBe(0);
    expect(await byId(fx.busybox.configDigest)).toMatchObject({ inUse: true, runningContainers: 1 });
    const running = await expectError(
      bridge.call('images.remove', { id: fx.busybox.configDigest, force: true }),
    );
    expect(running.error.status).toBe(409);
    expect(running.error.message).toMatch(
      /cannot be forced.*image is being used by running container [0-9a-f]{12}/,
    );
    await engine.docker(['rm', '-f', 'img-runner']);
  });

  it('previews exactly what prune removes and the space it returns', async () => {
    // moving:latest v1, then v2: v1 is left untagged (dangling). Both share busybox's layer.
    await fx.moving.moveTo('v1');
    await pullAll(`${reg.host}/moving:latest`);
    await fx.moving.moveTo('v2');
    await pullAll(`${reg.host}/moving:latest`);
    await pullAll(fx.plain.ref);
    await pullAll(fx.busybox.ref);
    // busybox stays in use; v2 shares its layer and goes under "all".
    expect((await engine.docker(['create', '--name', 'keeper', fx.busybox.ref, 'true'])).code).toBe(0);
    const list = await bridge.call('images.list', {});
    expect(list.find((i) => i.id === fx.moving.v1.configDigest)).toMatchObject({
      dangling: true,
      inUse: false,
    });

    const dangling = await bridge.call('images.prunePreview', { mode: 'dangling' });
    expect(dangling.images.map((i) => i.id)).toContain(fx.moving.v1.configDigest);
    expect(dangling.images.every((i) => list.find((l) => l.id === i.id)!.dangling)).toBe(true);
    expect(dangling.images.map((i) => i.id)).not.toContain(fx.busybox.configDigest);
    const prunedDangling = await bridge.call('images.prune', { mode: 'dangling' });
    expect(prunedDangling.deleted.sort()).toEqual(dangling.images.map((i) => i.id).sort());
    expect(prunedDangling.spaceReclaimed).toBe(dangling.reclaimable);
    expect(bridge.notices.at(-1)?.title).toBe('Images pruned');

    const all = await bridge.call('images.prunePreview', { mode: 'all' });
    const ids = all.images.map((i) => i.id).sort();
    expect(ids).toEqual(
      expect.arrayContaining([fx.moving.v2.configDigest, fx.plain.configDigest, fx.threeLayer.configDigest]),
    );
    expect(ids).not.toContain(fx.busybox.configDigest);
    // v2's base layer is busybox's, which stays: only its own layer comes back.
    expect(all.reclaimable).toBeLessThan(all.images.reduce((n, i) => n + i.size, 0));
    const prunedAll = await bridge.call('images.prune', { mode: 'all' });
    expect(prunedAll.deleted.sort()).toEqual(ids);
    expect(prunedAll.spaceReclaimed).toBe(all.reclaimable);
    expect((await bridge.call('images.list', {})).map((i) => i.id)).toEqual([fx.busybox.configDigest]);
    await engine.docker(['rm', 'keeper']);
  });

  it('logs in to a basic-auth registry, stores it like docker login, and pushes and pulls with it', async () => {
    // Other settings in config.json must survive.
    mkdirSync(configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ psFormat: 'table {{.ID}}', auths: { 'other.example:5000': { auth: 'eDp5' } } }),
    );
    const target = `${authReg.host}/pushed:v1`;
    await bridge.call('images.tag', { id: fx.busybox.configDigest, target });

    const denied = bridge.subscribe('images.push', { ref: target });
    const deniedErr = await denied.ended;
    expect(deniedErr?.status).toBe(401);
    expect(bridge.notices.at(-1)?.title).toBe('Push failed');

    const wrong = await expectError(
      bridge.call('images.login', { registry: authReg.host, username: authReg.username!, password: 'wrong' }),
    );
    expect(wrong.error.status).toBe(401);

    const login = await bridge.call('images.login', {
      registry: authReg.host,
      username: authReg.username!,
      password: authReg.password!,
    });
    expect(login).toEqual({ registry: authReg.host, username: authReg.username, store: 'file' });
    const cfg = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'));
    expect(cfg.psFormat).toBe('table {{.ID}}');
    expect(cfg.auths['other.example:5000']).toEqual({ auth: 'eDp5' });
    expect(Buffer.from(cfg.auths[authReg.host].auth, 'base64').toString()).toBe(
      `${authReg.username}:${authReg.password}`,
    );
    expect(await bridge.call('images.logins', {})).toEqual(
      expect.arrayContaining([{ registry: authReg.host, username: authReg.username, store: 'file' }]),
    );

    const pushed = bridge.subscribe('images.push', { ref: target });
    expect(await pushed.ended).toBeUndefined();
    expect(pushed.events.some((e) => e.kind === 'layer' && e.layer.phase === 'done')).toBe(true);
    expect(pushed.events.at(-1)).toMatchObject({
      kind: 'done',
      ref: target,
      digest: expect.stringMatching(/^sha256:/),
    });
    expect(bridge.notices.at(-1)?.title).toBe('Push complete');

    // Pull it back with the saved login.
    await bridge.call('images.remove', { id: target });
    const back = await pullAll(target);
    expect(back.at(-1)).toMatchObject({ kind: 'done' });

    // Credentials given with the pull itself work without a saved login.
    await bridge.call('images.logout', { registry: authReg.host });
    expect((await bridge.call('images.logins', {})).map((l) => l.registry)).not.toContain(authReg.host);
    await bridge.call('images.remove', { id: target });
    const anon = bridge.subscribe('images.pull', { ref: target });
    expect((await anon.ended)?.status).toBe(401);
    const withAuth = bridge.subscribe('images.pull', {
      ref: target,
      auth: { username: authReg.username!, password: authReg.password! },
    });
    expect(await withAuth.ended).toBeUndefined();
  });
});
