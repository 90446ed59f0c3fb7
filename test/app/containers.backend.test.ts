// The containers handlers through a real BridgeSession against a real engine and a loopback registry:
// Run pulls a missing image, then list, actions (bulk, per-id results), inspect, top, stats and files.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ActionResult,
  ContainerSummary,
  DirListing,
  FileDownload,
  FileStat,
  RunEvent,
  ServerMessage,
  StatsPoint,
  StatsSample,
  TopResult,
} from '../../electron/contract/index.js';
import { BridgeSession } from '../../electron/backend/session.js';
import { ConnectionManager } from '../../electron/backend/connections.js';
import { SettingsStore } from '../../electron/backend/settings-store.js';
import type { Backend } from '../../electron/backend/context.js';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { freePort } from '../support/processes.js';

let reg: TestRegistry;
let fx: Fixtures;
let engine: TestEngine;
let client: Client;

/** A bridge client in the test process: calls and subscriptions over a real BridgeSession. */
class Client {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: ServerMessage) => void>();
  readonly session: BridgeSession;

  constructor(backend: Backend) {
    this.session = new BridgeSession(backend, (m) => this.waiting.get(m.id)?.(m));
  }

  async call<T>(method: string, args: unknown): Promise<T> {
    const id = this.nextId++;
    const msg = await new Promise<ServerMessage>((resolve) => {
      this.waiting.set(id, resolve);
      this.session.receive({ type: 'call', id, method, args });
    });
    this.waiting.delete(id);
    if (msg.type !== 'result') throw new Error(`unexpected ${msg.type}`);
    if (!msg.result.ok) throw Object.assign(new Error(msg.result.error.message), msg.result.error);
    return msg.result.value as T;
  }

  /** Collects events until `until` says stop (then unsubscribes) or the stream ends. */
  subscribe<E>(
    topic: string,
    args: unknown,
    until: (events: E[]) => boolean = () => false,
    timeoutMs = 60_000,
  ): Promise<{ events: E[]; error?: { message: string } }> {
    const id = this.nextId++;
    const events: E[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.session.receive({ type: 'unsubscribe', id });
        reject(
          new Error(`${topic}: no end within ${timeoutMs} ms; got ${JSON.stringify(events).slice(0, 500)}`),
        );
      }, timeoutMs);
      const finish = (error?: { message: string }) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve({ events, error });
      };
      this.waiting.set(id, (m) => {
        if (m.type === 'event') {
          events.push(m.event as E);
          if (until(events)) {
            this.session.receive({ type: 'unsubscribe', id });
            finish();
          }
        } else if (m.type === 'end') finish(m.error);
      });
      this.session.receive({ type: 'subscribe', id, topic, args });
    });
  }
}

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  engine = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-settings-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: engine.host,
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  client = new Client({ settings, connections, notify: () => undefined });
});

afterAll(async () => {
  client?.session.close();
  await engine?.stop();
  await reg?.stop();
});

const list = () => client.call<ContainerSummary[]>('containers.list', {});
const byName = async (name: string) => (await list()).find((c) => c.name === name);

describe('containers backend', () => {
  let webId = '';
  let hostPort = 0;

  it('runs a container, pulling the missing image first with progress', async () => {
    expect((await engine.docker(['image', 'inspect', fx.busybox.ref])).code).not.toBe(0);
    hostPort = await freePort();
    const { events, error } = await client.subscribe<RunEvent>('containers.run', {
      image: fx.busybox.ref,
      name: 'web',
      command: ['sleep', '3600'],
      ports: [{ containerPort: 80, hostPort }],
      env: ['GREETING=hello world'],
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      restart: 'unless-stopped',
      memory: 64 * 1024 * 1024,
      cpus: 0.5,
    });
    expect(error).toBeUndefined();
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('pulling');
    expect(types).toContain('pull-progress');
    expect(types.slice(-3)).toEqual(['pulled', 'created', 'started']);
    const started = events.at(-1) as Extract<RunEvent, { type: 'started' }>;
    expect(started.name).toBe('web');
    webId = started.id;
    const inspect = await client.call<{
      Config: { Env: string[] };
      HostConfig: { Memory: number; NanoCpus: number; RestartPolicy: { Name: string } };
    }>('containers.inspect', { id: webId });
    expect(inspect.Config.Env).toContain('GREETING=hello world');
    expect(inspect.HostConfig).toMatchObject({
      Memory: 64 * 1024 * 1024,
      NanoCpus: 5e8,
      RestartPolicy: { Name: 'unless-stopped' },
    });
  });

  it('does not pull again when the image is there', async () => {
    const { events, error } = await client.subscribe<RunEvent>('containers.run', {
      image: fx.busybox.ref,
      name: 'idle',
      command: ['sleep', '3600'],
    });
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['created', 'started']);
  });

  it('reports a run that cannot work as the stream error', async () => {
    const missing = await client.subscribe<RunEvent>('containers.run', { image: `${reg.host}/nope:1` });
    expect(missing.error?.message).toBeTruthy();
    const clash = await client.subscribe<RunEvent>('containers.run', { image: fx.busybox.ref, name: 'web' });
    expect(clash.error?.message).toMatch(/already in use|conflict/i);
    const bad = await client.subscribe<RunEvent>('containers.run', {
      image: fx.busybox.ref,
      mounts: [{ type: 'bind', source: 'relative/path', target: '/data' }],
    });
    expect(bad.error?.message).toMatch(/absolute host path/);
  });

  it('lists containers with state, ports, image and the compose project', async () => {
    const web = await byName('web');
    expect(web).toMatchObject({
      id: webId,
      state: 'running',
      image: fx.busybox.ref,
      project: 'shop',
      service: 'web',
    });
    expect(web!.ports).toContainEqual(expect.objectContaining({ privatePort: 80, publicPort: hostPort }));
    expect(web!.created).toBeGreaterThan(Date.now() / 1000 - 600);
    expect((await byName('idle'))?.project).toBeUndefined();
  });

  it('lists processes (top)', async () => {
    const top = await client.call<TopResult>('containers.top', { id: webId });
    expect(top.titles).toContain('PID');
    const cmd = top.titles.indexOf('CMD') >= 0 ? top.titles.indexOf('CMD') : top.titles.length - 1;
    expect(top.processes.some((p) => p[cmd]!.includes('sleep'))).toBe(true);
  });

  it('streams stats for one container, reduced like docker stats', async () => {
    const { events } = await client.subscribe<StatsSample>(
      'containers.stats',
      { id: webId },
      (e) => e.length >= 2,
    );
    const s = events.at(-1)!;
    expect(s.id).toBe(webId);
    expect(s.memUsage).toBeGreaterThan(0);
    expect(s.memLimit).toBe(64 * 1024 * 1024);
    expect(s.memPercent).toBeGreaterThan(0);
    expect(s.pids).toBeGreaterThanOrEqual(1);
    expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(events[1]!.time).toBeGreaterThan(events[0]!.time);
  });

  it('streams sparkline points for several containers, one batch a second', async () => {
    const idle = (await byName('idle'))!;
    const started = Date.now();
    const { events } = await client.subscribe<StatsPoint[]>(
      'containers.statsMany',
      { ids: [webId, idle.id] },
      (batches) => new Set(batches.flat().map((p) => p.id)).size === 2 && batches.length >= 2,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const ids = new Set(events.flat().map((p) => p.id));
    expect(ids).toEqual(new Set([webId, idle.id]));
    for (const batch of events) expect(new Set(batch.map((p) => p.id)).size).toBe(batch.length);
  });

  it('uploads a file, lists directories from the archive and downloads files back', async () => {
    const content = Buffer.from('hello from the files tab\n');
    await client.call('containers.files.upload', {
      id: webId,
      dir: '/tmp',
      name: 'note.txt',
      base64: content.toString('base64'),
    });
    const tmp = await client.call<DirListing>('containers.files.list', { id: webId, path: '/tmp/' });
    expect(tmp.path).toBe('/tmp');
    expect(tmp.truncated).toBe(false);
    expect(tmp.entries).toContainEqual(
      expect.objectContaining({ name: 'note.txt', kind: 'file', size: content.length, mode: 0o644 }),
    );

    const root = await client.call<DirListing>('containers.files.list', { id: webId, path: '/' });
    const names = root.entries.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['bin', 'etc', 'tmp', 'usr']));
    // Directories first, and a directory's size is what lies beneath it.
    expect(root.entries[0]!.kind).toBe('dir');
    expect(root.entries.find((e) => e.name === 'bin')!.size).toBeGreaterThan(100_000);

    const bin = await client.call<DirListing>('containers.files.list', { id: webId, path: '/bin' });
    expect(bin.entries.find((e) => e.name === 'sh')).toMatchObject({
      kind: 'symlink',
      linkTarget: 'busybox',
    });

    const dl = await client.call<FileDownload>('containers.files.download', {
      id: webId,
      path: '/tmp/note.txt',
    });
    expect(dl).toMatchObject({ name: 'note.txt', format: 'file', size: content.length });
    expect(Buffer.from(dl.base64, 'base64').toString()).toBe(content.toString());
    const passwd = await client.call<FileDownload>('containers.files.download', {
      id: webId,
      path: '/etc/passwd',
    });
    expect(Buffer.from(passwd.base64, 'base64').toString()).toMatch(/^root:x:0:0/);
    const dir = await client.call<FileDownload>('containers.files.download', { id: webId, path: '/etc' });
    expect(dir).toMatchObject({ name: 'etc.tar', format: 'tar' });

    const link = await client.call<FileStat>('containers.files.stat', { id: webId, path: '/bin/sh' });
    expect(link).toMatchObject({ kind: 'symlink', linkTarget: '/bin/busybox', targetIsDir: false });
    const etc = await client.call<FileStat>('containers.files.stat', { id: webId, path: '/etc' });
    expect(etc).toMatchObject({ kind: 'dir', name: 'etc' });

    await expect(client.call('containers.files.list', { id: webId, path: '/etc/passwd' })).rejects.toThrow(
      /not a directory/,
    );
    await expect(client.call('containers.files.list', { id: webId, path: '/nope' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.call('containers.files.upload', { id: webId, dir: '/tmp', name: '../x', base64: '' }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('pauses, stops, starts, restarts and removes in bulk with a result per id', async () => {
    const idle = (await byName('idle'))!;
    const both = [webId, idle.id];
    const ok = (rs: ActionResult[]) => rs.map((r) => r.ok);

    expect(ok(await client.call<ActionResult[]>('containers.pause', { ids: both }))).toEqual([true, true]);
    expect((await byName('web'))?.state).toBe('paused');
    expect(ok(await client.call<ActionResult[]>('containers.unpause', { ids: both }))).toEqual([true, true]);

    const stopped = await client.call<ActionResult[]>('containers.stop', {
      ids: [...both, 'no-such'],
      timeout: 1,
    });
    expect(stopped.map((r) => [r.id, r.ok])).toEqual([
      [webId, true],
      [idle.id, true],
      ['no-such', false],
    ]);
    expect(stopped[2]).toMatchObject({ status: 404 });
    expect((await byName('web'))?.state).toBe('exited');
    // Stopping a stopped container is no error: it is where the user wanted it.
    expect(ok(await client.call<ActionResult[]>('containers.stop', { ids: [webId], timeout: 1 }))).toEqual([
      true,
    ]);

    expect(ok(await client.call<ActionResult[]>('containers.start', { ids: both }))).toEqual([true, true]);
    expect((await byName('idle'))?.state).toBe('running');
    expect(
      ok(await client.call<ActionResult[]>('containers.restart', { ids: [idle.id], timeout: 1 })),
    ).toEqual([true]);

    const refused = await client.call<ActionResult[]>('containers.remove', { ids: [idle.id] });
    expect(refused[0]).toMatchObject({ ok: false, status: 409 });
    expect(
      ok(await client.call<ActionResult[]>('containers.kill', { ids: [idle.id], signal: 'SIGKILL' })),
    ).toEqual([true]);
    const removed = await client.call<ActionResult[]>('containers.remove', { ids: both, force: true });
    expect(ok(removed)).toEqual([true, true]);
    expect(await list()).toEqual([]);
  });

  it('validates arguments strictly', async () => {
    await expect(client.call('containers.start', { ids: [] })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(client.call('containers.files.list', { id: 'x', path: 'relative' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(client.call('containers.list', { all: false })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    const bad = await client.subscribe('containers.run', { image: 'busybox', name: '-bad' });
    expect(bad.error).toMatchObject({ code: 'invalid-argument' });
  });
});
