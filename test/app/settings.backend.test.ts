// Settings and troubleshooting handlers against a real engine hosted by ChildProcessEngineHost (the
// `berth serve` host) on a temporary socket and data root, plus a second real engine to connect to.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { BridgeClient, type EngineWatchEvent } from '../../electron/contract/index.js';
import type { MethodArgs, MethodName, MethodResult } from '../../electron/contract/index.js';
import type { Backend } from '../../electron/backend/context.js';
import { ConnectionManager } from '../../electron/backend/connections.js';
import { ChildProcessEngineHost } from '../../electron/backend/engine-host.js';
import { BridgeSession } from '../../electron/backend/session.js';
import { SettingsStore } from '../../electron/backend/settings-store.js';
import { BERTH_LAUNCHER, engineBuilt, startEngine, type TestEngine } from '../support/engine.js';
import { busyboxEntries } from '../support/images.js';
import { buildTar } from '../support/layers.js';

let dir: string;
let host: ChildProcessEngineHost;
let settings: SettingsStore;
let backend: Backend;
let other: TestEngine;
let client: BridgeClient;
let session: BridgeSession;
let busyboxTar: string;

function connect(b: Backend) {
  let s: BridgeSession | undefined = undefined;
  const c = new BridgeClient((msg) => queueMicrotask(() => s!.receive(JSON.parse(JSON.stringify(msg)))));
  s = new BridgeSession(b, (msg) => queueMicrotask(() => c.receive(JSON.parse(JSON.stringify(msg)))));
  return { client: c, session: s };
}

async function call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
  const r = await client.call(method, args);
  if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
  return r.value;
}

async function importBusybox(docker: Docker, repo: string): Promise<void> {
  const stream = await docker.importImage(busyboxTar, { repo, tag: 'latest' });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())),
  );
}

beforeAll(async () => {
  if (!engineBuilt()) throw new Error('the engine is not built: run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'berth-set-'));
  busyboxTar = join(dir, 'busybox.tar');
  writeFileSync(busyboxTar, await buildTar(busyboxEntries()));
  const configPath = join(dir, 'config', 'config.json');
  settings = new SettingsStore(join(dir, 'app-settings.json'));
  await settings.load();
  host = new ChildProcessEngineHost(join(dir, 'e.sock'), join(dir, 'data'), BERTH_LAUNCHER, {
    configPath,
    dataRootOverride: () => settings.get().engine.dataRoot,
  });
  await host.start();
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: `unix://${host.socket}`,
    env: {},
    dockerConfigDir: join(dir, 'no-docker-config'),
    wellKnownSockets: [],
  });
  backend = { settings, connections, engine: host, notify: () => undefined };
  ({ client, session } = connect(backend));
  other = await startEngine();
});

afterAll(async () => {
  session?.close();
  if (host?.state() === 'running') {
    const docker = new Docker({ socketPath: host.socket });
    for (const c of await docker.listContainers({ all: true }).catch(() => []))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  }
  await host?.stop();
  await other?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('preferences', () => {
  it('persists theme and language in the app settings', async () => {
    expect(await call('settings.get', {})).toEqual({ theme: 'system', language: 'system' });
    expect(await call('settings.update', { theme: 'dark', language: 'zh-CN' })).toEqual({
      theme: 'dark',
      language: 'zh-CN',
    });
    expect(await call('settings.update', { theme: 'light' })).toEqual({ theme: 'light', language: 'zh-CN' });
    const reread = new SettingsStore(settings.path);
    expect(await reread.load()).toMatchObject({ theme: 'light', language: 'zh-CN' });
  });

  it('rejects values outside the contract', async () => {
    const r = await client.call('settings.update', { theme: 'blue' as 'dark' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});

describe('embedded engine settings', () => {
  it('writes mirrors and insecure registries to the engine config, keeping other keys, and applies them on restart', async () => {
    mkdirSync(dirname(host.configPath), { recursive: true });
    writeFileSync(host.configPath, JSON.stringify({ 'max-concurrent-downloads': 2 }));
    const before = await call('settings.engine.get', {});
    expect(before).toMatchObject({
      registryMirrors: [],
      insecureRegistries: [],
      dataRoot: join(dir, 'data'),
      status: { hosted: true, current: true, state: 'running', configPath: host.configPath },
    });
    await new Promise((r) => setTimeout(r, 20));
    const after = await call('settings.engine.update', {
      registryMirrors: ['https://mirror.example.com/', 'http://127.0.0.1:5999'],
      insecureRegistries: ['registry.local:5000', '10.0.0.0/8'],
    });
    expect(after.registryMirrors).toEqual(['https://mirror.example.com', 'http://127.0.0.1:5999']);
    expect(after.restartNeeded).toBe(true);
    expect(JSON.parse(readFileSync(host.configPath, 'utf8'))).toEqual({
      'max-concurrent-downloads': 2,
      'registry-mirrors': ['https://mirror.example.com', 'http://127.0.0.1:5999'],
      'insecure-registries': ['registry.local:5000', '10.0.0.0/8'],
    });
    const docker = new Docker({ socketPath: host.socket });
    expect(
      ((await docker.info()) as { RegistryConfig: { Mirrors: string[] } }).RegistryConfig.Mirrors,
    ).toEqual([]);

    const events: EngineWatchEvent[] = [];
    const sub = client.subscribe('engine.watch', {}, { onEvent: (e) => events.push(e) });
    const status = await call('engine.restart', {});
    sub.close();
    expect(status).toMatchObject({ state: 'running', hosted: true });
    expect(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual([
      'running',
      'stopped',
      'starting',
      'running',
    ]);
    expect(events.some((e) => e.type === 'log' && /listening/.test(e.line))).toBe(true);
    expect(
      ((await docker.info()) as { RegistryConfig: { Mirrors: string[] } }).RegistryConfig.Mirrors,
    ).toEqual(['https://mirror.example.com', 'http://127.0.0.1:5999']);
    expect((await call('settings.engine.get', {})).restartNeeded).toBe(false);

    // An empty list removes the key.
    await call('settings.engine.update', { registryMirrors: [] });
    expect(JSON.parse(readFileSync(host.configPath, 'utf8'))).not.toHaveProperty('registry-mirrors');
  });

  it('rejects a malformed mirror before touching the file', async () => {
    const r = await client.call('settings.engine.update', { registryMirrors: ['ftp://nope'] });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('uses a chosen data location from the next engine start, and goes back to the default', async () => {
    const chosen = join(dir, 'elsewhere');
    const r = await call('settings.engine.update', { dataRoot: chosen });
    expect(r).toMatchObject({ dataRootSetting: chosen, dataRoot: join(dir, 'data'), restartNeeded: true });
    expect(JSON.parse(readFileSync(settings.path, 'utf8')).engine).toEqual({ dataRoot: chosen });
    await call('engine.restart', {});
    expect((await call('system.summary', {})).dataRoot).toBe(chosen);
    expect(existsSync(join(chosen))).toBe(true);

    await call('settings.engine.update', { dataRoot: null });
    expect((await call('settings.engine.get', {})).restartNeeded).toBe(true);
    await call('engine.restart', {});
    expect((await call('system.summary', {})).dataRoot).toBe(join(dir, 'data'));
    expect((await call('settings.engine.get', {})).restartNeeded).toBe(false);
  });

  it('leaves a data location given on the command line alone', async () => {
    const fixed = new ChildProcessEngineHost(join(dir, 'x.sock'), join(dir, 'fixed'), BERTH_LAUNCHER, {
      configPath: join(dir, 'x.json'),
    });
    const { client: c, session: s } = connect({ ...backend, engine: fixed });
    expect(await c.call('settings.engine.get', {})).toMatchObject({
      ok: true,
      value: { dataRootSettable: false },
    });
    expect(await c.call('settings.engine.update', { dataRoot: join(dir, 'y') })).toMatchObject({
      ok: false,
      error: { status: 409 },
    });
    s.close();
  });

  it('refuses a data location that is a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await client.call('settings.engine.update', { dataRoot: file });
    expect(r).toMatchObject({ ok: false, error: { status: 400 } });
  });
});

describe('connections', () => {
  it('adds a second engine, switches to it and back, and removes it', async () => {
    await importBusybox(new Docker({ socketPath: other.socket }), 'other-box');
    const o = await other.docker(['create', '--name', 'on-the-other-engine', 'other-box', 'true']);
    expect(o.code).toBe(0);

    const added = await call('connections.add', { name: 'Second engine', url: `unix://${other.socket}` });
    expect(added).toMatchObject({ kind: 'socket', custom: true, status: 'up', current: false });
    await call('connections.use', { id: added.id });
    const summary = await call('system.summary', {});
    expect(summary.connection.id).toBe(added.id);
    const names = (await (await backend.connections.docker()).listContainers({ all: true })).map(
      (c) => c.Names[0],
    );
    expect(names).toContain('/on-the-other-engine');
    // Not the hosted engine any more: its settings say so.
    expect((await call('engine.status', {})).current).toBe(false);

    await call('connections.remove', { id: added.id });
    const list = await call('connections.list', {});
    expect(list.map((c) => c.id)).toEqual(['embedded']);
    expect(list[0].current).toBe(true);
    const back = (await (await backend.connections.docker()).listContainers({ all: true })).map(
      (c) => c.Names[0],
    );
    expect(back).not.toContain('/on-the-other-engine');
  });

  it('reports a dead engine as down with its error', async () => {
    const added = await call('connections.add', { name: 'Dead', url: `unix://${join(dir, 'nobody.sock')}` });
    expect(added.status).toBe('down');
    expect(added.error).toBeTruthy();
    await call('connections.remove', { id: added.id });
  });
});

describe('troubleshoot', () => {
  it('returns the engine log, its tail, and the state', async () => {
    const log = await call('engine.log', {});
    expect(log.some((l) => /listening on unix:\/\//.test(l))).toBe(true);
    expect(await call('engine.log', { tail: 2 })).toEqual(log.slice(-2));
    expect(await call('engine.status', {})).toMatchObject({
      hosted: true,
      state: 'running',
      socket: host.socket,
    });
  });

  it('resets the data: removes running containers first, deletes the data root, starts empty', async () => {
    const docker = new Docker({ socketPath: host.socket });
    await importBusybox(docker, 'resetme');
    const c = await docker.createContainer({ Image: 'resetme', Cmd: ['sleep', '1000'], name: 'resetme' });
    await c.start();
    const pid = (await c.inspect()).State.Pid;
    expect(pid).toBeGreaterThan(0);
    writeFileSync(join(host.dataRoot, 'marker'), 'x');

    const bad = await client.call('engine.reset', {} as { confirm: 'reset' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });

    const status = await call('engine.reset', { confirm: 'reset' });
    expect(status.state).toBe('running');
    expect(existsSync(join(host.dataRoot, 'marker'))).toBe(false);
    expect(await docker.listContainers({ all: true })).toEqual([]);
    expect(await docker.listImages()).toEqual([]);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(host.log().some((l) => /removing 1 container/.test(l))).toBe(true);
  });

  it('explains that an engine it does not host cannot be restarted', async () => {
    const { client: c, session: s } = connect({ ...backend, engine: undefined });
    expect(await c.call('engine.status', {})).toEqual({ ok: true, value: { hosted: false, current: false } });
    expect(await c.call('engine.restart', {})).toMatchObject({ ok: false, error: { status: 409 } });
    s.close();
  });
});
