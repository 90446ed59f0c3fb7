// The volumes and disk handlers through a real BridgeSession against a real engine and a loopback
// registry: volumes with size and users, browsing and chunked transfers through never-started helper
// containers, prune and reclaim previews that match what goes, and disk figures that match the
// docker CLI's `system df`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from 'tar-stream';
import type {
  DiskSummary,
  DownloadChunk,
  DownloadInfo,
  ReclaimPlan,
  ReclaimResult,
  ServerMessage,
  VolumeInfo,
  VolumeListing,
  VolumePrunePreview,
  VolumePruneResult,
} from '../../electron/contract/index.js';
import { VOLUME_CHUNK_BYTES } from '../../electron/contract/index.js';
import { BridgeSession } from '../../electron/backend/session.js';
import { ConnectionManager } from '../../electron/backend/connections.js';
import { SettingsStore } from '../../electron/backend/settings-store.js';
import type { Backend, Notice } from '../../electron/backend/context.js';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';

let reg: TestRegistry;
let fx: Fixtures;
let engine: TestEngine;
let client: Client;
const notices: Notice[] = [];

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
}

function backendFor(eng: TestEngine): Backend {
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-settings-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: `unix://${eng.socket}`,
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  return { settings, connections, notify: (n) => notices.push(n) };
}

async function docker(args: string[]): Promise<string> {
  const r = await engine.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function failure(p: Promise<unknown>): Promise<{ message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    return err as { message: string; status?: number };
  }
  throw new Error('expected a failure');
}

/** Downloads a transfer chunk by chunk, checking every chunk is bounded. */
async function download(info: DownloadInfo): Promise<{ data: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for (let i = 0; ; i++) {
    const chunk = await client.call<DownloadChunk>('volumes.downloadRead', { id: info.id });
    const buf = Buffer.from(chunk.data, 'base64');
    expect(buf.length).toBeLessThanOrEqual(VOLUME_CHUNK_BYTES);
    parts.push(buf);
    if (chunk.done) return { data: Buffer.concat(parts), chunks: i + 1 };
    if (i > 10_000) throw new Error('download never ends');
  }
}

async function tarEntries(tar: Buffer): Promise<Map<string, { type: string; body: Buffer }>> {
  const out = new Map<string, { type: string; body: Buffer }>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(Buffer.from(c as Uint8Array));
      out.set(entry.header.name, { type: entry.header.type, body: Buffer.concat(parts) });
    }
  })();
  ex.end(tar);
  await done;
  return out;
}

async function helpersLeft(): Promise<string> {
  return (await docker(['ps', '-aq', '--filter', 'label=io.berth.volume-helper'])).trim();
}

const ZEROS = 3 * 1024 * 1024 + 123;

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  engine = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  client = new Client(backendFor(engine));
  await docker(['pull', fx.busybox.ref]);
});

afterAll(async () => {
  client?.session.close();
  if (process.env.SHOW_ENGINE_LOG) console.log(engine?.logs().slice(-6000));
  await engine?.stop();
  await reg?.stop();
});

describe('volumes', () => {
  it('creates a volume, and lists it with its size and the containers that use it', async () => {
    const created = await client.call<VolumeInfo>('volumes.create', {
      name: 'data1',
      labels: { team: 'a' },
    });
    expect(created).toMatchObject({ name: 'data1', driver: 'local', labels: { team: 'a' }, users: [] });
    expect(created.anonymous).toBe(false);
    await docker([
      'run',
      '--name',
      'writer',
      '-v',
      'data1:/data',
      fx.busybox.ref,
      'sh',
      '-c',
      `mkdir -p /data/sub/deeper && echo hello > /data/hello.txt && ln -s hello.txt /data/link && ` +
        `head -c ${ZEROS} /dev/zero > /data/sub/zeros && echo x > /data/sub/deeper/x`,
    ]);
    const list = await client.call<VolumeInfo[]>('volumes.list', {});
    const v = list.find((x) => x.name === 'data1')!;
    expect(v.size).toBeGreaterThanOrEqual(ZEROS + 6 + 2);
    expect(v.users).toEqual([
      expect.objectContaining({ name: 'writer', running: false, destination: '/data', readOnly: false }),
    ]);
    const inspected = await client.call<VolumeInfo>('volumes.inspect', { name: 'data1' });
    expect(inspected).toMatchObject({ name: 'data1', size: v.size, users: v.users });
    expect(await failure(client.call('volumes.inspect', { name: 'nope-nope' }))).toMatchObject({
      status: 404,
    });
    // Arguments are validated before anything reaches the engine.
    expect(await failure(client.call('volumes.create', { name: '../x' }))).toMatchObject({ status: 400 });
  });

  it('browses directories through a helper container it removes after', async () => {
    const root = await client.call<VolumeListing>('volumes.browse', { name: 'data1', path: '/' });
    expect(root.path).toBe('/');
    expect(root.truncated).toBe(false);
    expect(root.entries.map((e) => [e.name, e.type])).toEqual([
      ['sub', 'directory'],
      ['hello.txt', 'file'],
      ['link', 'symlink'],
    ]);
    const [sub, hello, link] = root.entries;
    expect(sub).toMatchObject({ path: '/sub', size: ZEROS + 2 });
    expect(hello).toMatchObject({ path: '/hello.txt', size: 6, mode: 0o644 });
    expect(hello!.mtime).toBeGreaterThan(Date.now() - 3600_000);
    expect(link).toMatchObject({ linkTarget: 'hello.txt' });
    const inner = await client.call<VolumeListing>('volumes.browse', { name: 'data1', path: '/sub' });
    expect(inner.entries.map((e) => `${e.name}:${e.size}`)).toEqual(['deeper:2', `zeros:${ZEROS}`]);
    // `..` never leaves the volume.
    const up = await client.call<VolumeListing>('volumes.browse', { name: 'data1', path: '/sub/../..' });
    expect(up.path).toBe('/');
    expect(await failure(client.call('volumes.browse', { name: 'data1', path: '/hello.txt' }))).toMatchObject(
      { status: 400 },
    );
    expect(await failure(client.call('volumes.browse', { name: 'data1', path: '/missing' }))).toMatchObject({
      status: 404,
    });
    // A missing volume is an error, not a new empty volume.
    expect(await failure(client.call('volumes.browse', { name: 'ghost', path: '/' }))).toMatchObject({
      status: 404,
    });
    expect((await docker(['volume', 'ls', '-q'])).split('\n')).not.toContain('ghost');
    await expect.poll(helpersLeft).toBe('');
  });

  it('downloads one file', async () => {
    const info = await client.call<DownloadInfo>('volumes.downloadStart', {
      name: 'data1',
      path: '/hello.txt',
      format: 'file',
    });
    expect(info).toMatchObject({ fileName: 'hello.txt', size: 6 });
    expect((await download(info)).data.toString()).toBe('hello\n');
    const big = await client.call<DownloadInfo>('volumes.downloadStart', {
      name: 'data1',
      path: '/sub/zeros',
      format: 'file',
    });
    const got = await download(big);
    expect(got.data.length).toBe(ZEROS);
    expect(got.chunks).toBeGreaterThanOrEqual(4);
    expect(
      await failure(client.call('volumes.downloadStart', { name: 'data1', path: '/sub', format: 'file' })),
    ).toMatchObject({ status: 400 });
    // A finished transfer is released.
    expect(await failure(client.call('volumes.downloadRead', { id: info.id }))).toMatchObject({
      status: 404,
    });
    await expect.poll(helpersLeft).toBe('');
  });

  it('exports a volume to a tar and imports it into a new volume', async () => {
    const info = await client.call<DownloadInfo>('volumes.downloadStart', {
      name: 'data1',
      format: 'tar',
    });
    expect(info).toMatchObject({ fileName: 'data1.tar', size: null });
    const { data: tar, chunks } = await download(info);
    expect(chunks).toBeGreaterThanOrEqual(4);
    const entries = await tarEntries(tar);
    const names = [...entries.keys()].map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''));
    expect(names).toEqual(expect.arrayContaining(['hello.txt', 'link', 'sub', 'sub/zeros', 'sub/deeper/x']));
    expect(names.every((n) => !n.startsWith('volume'))).toBe(true);

    const { id } = await client.call<{ id: string }>('volumes.importStart', { name: 'data2', create: true });
    let offset = 0;
    while (offset < tar.length) {
      const piece = tar.subarray(offset, offset + VOLUME_CHUNK_BYTES);
      const r = await client.call<{ bytes: number }>('volumes.importChunk', {
        id,
        offset,
        data: piece.toString('base64'),
      });
      offset += piece.length;
      expect(r.bytes).toBe(offset);
    }
    // A chunk out of order is refused.
    expect(await failure(client.call('volumes.importChunk', { id, offset: 1, data: 'AAAA' }))).toMatchObject({
      status: 409,
    });
    expect(await client.call('volumes.importFinish', { id })).toEqual({ bytes: tar.length });
    const out = await docker([
      'run',
      '--rm',
      '-v',
      'data2:/d',
      fx.busybox.ref,
      'sh',
      '-c',
      'cat /d/hello.txt; wc -c < /d/sub/zeros; readlink /d/link; cat /d/sub/deeper/x',
    ]);
    expect(out.split('\n').map((l) => l.trim())).toEqual(['hello', String(ZEROS), 'hello.txt', 'x', '']);
    // Importing a second time into the existing volume (no create) works too; a missing one is a 404.
    expect(
      await failure(client.call('volumes.importStart', { name: 'missing-vol', create: false })),
    ).toMatchObject({ status: 404 });
    const cancelled = await client.call<{ id: string }>('volumes.importStart', { name: 'data2' });
    await client.call('volumes.importCancel', { id: cancelled.id });
    expect(
      await failure(client.call('volumes.importChunk', { id: cancelled.id, offset: 0, data: '' })),
    ).toMatchObject({ status: 404 });
    await expect.poll(helpersLeft).toBe('');
  });

  it('cancels an export part-way, and a closed client releases its transfers', async () => {
    const info = await client.call<DownloadInfo>('volumes.downloadStart', { name: 'data1', format: 'tar' });
    const first = await client.call<DownloadChunk>('volumes.downloadRead', { id: info.id });
    expect(first.done).toBe(false);
    await client.call('volumes.downloadCancel', { id: info.id });
    expect(await failure(client.call('volumes.downloadRead', { id: info.id }))).toMatchObject({
      status: 404,
    });
    const other = new Client(backendFor(engine));
    const open = await other.call<DownloadInfo>('volumes.downloadStart', { name: 'data1', format: 'tar' });
    await other.call('volumes.downloadRead', { id: open.id });
    await other.call('volumes.importStart', { name: 'data1' });
    other.session.close();
    await expect.poll(helpersLeft).toBe('');
    // The engine is still there.
    expect(await docker(['version', '--format', '{{.Server.Version}}'])).not.toBe('');
  });

  it('explains that a volume in use cannot be removed', async () => {
    const err = await failure(client.call('volumes.remove', { name: 'data1' }));
    expect(err.status).toBe(409);
    expect(err.message).toMatch(/in use/);
    expect(await failure(client.call('volumes.remove', { name: 'data1', force: true }))).toMatchObject({
      status: 409,
    });
  });

  it("previews a prune exactly: the engine's own prune removes the same volumes", async () => {
    const anon = await client.call<VolumeInfo>('volumes.create', {});
    expect(anon.anonymous).toBe(true);
    await client.call('volumes.create', { name: 'data3' });
    const preview = await client.call<VolumePrunePreview>('volumes.prunePreview', {});
    expect(preview.all).toBe(false);
    expect(preview.volumes.map((v) => v.name)).toEqual([anon.name]);
    // The engine's `docker volume prune` (anonymous only) agrees with the preview.
    const pruned = await docker(['volume', 'prune', '-f']);
    expect(pruned).toContain(anon.name);
    expect((await docker(['volume', 'ls', '-q'])).trim().split('\n').sort()).toEqual([
      'data1',
      'data2',
      'data3',
    ]);

    const all = await client.call<VolumePrunePreview>('volumes.prunePreview', { all: true });
    expect(all.volumes.map((v) => v.name)).toEqual(['data2', 'data3']);
    expect(all.space).toBe(all.volumes.reduce((n, v) => n + (v.size ?? 0), 0));
    expect(all.space).toBeGreaterThan(ZEROS);
    const result = await client.call<VolumePruneResult>('volumes.prune', {
      names: all.volumes.map((v) => v.name),
    });
    expect(result).toEqual({ removed: ['data2', 'data3'], failed: [], spaceReclaimed: all.space });
    expect((await docker(['volume', 'ls', '-q'])).trim()).toBe('data1');
    expect(notices.at(-1)?.title).toBe('Volumes pruned');
  });
});

/** Go's units.HumanSize reading: "1.983MB" → bytes (decimal units). */
function parseHuman(s: string): number {
  const m = /^([\d.]+)\s*(B|kB|MB|GB|TB)/.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const mult = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[m[2] as 'B'];
  return Number(m[1]) * mult;
}

/** The CLI prints 3 or 4 significant digits: our exact figure must round to what it shows. */
function expectSize(cli: string, ours: number): void {
  const shown = parseHuman(cli);
  if (ours === 0) expect(shown).toBe(0);
  else expect(Math.abs(shown - ours) / ours).toBeLessThan(0.006);
}

describe('disk usage', () => {
  beforeAll(async () => {
    // Shared layers and a dangling image: moving v1 and v2 share busybox's layer; pulling v2 over
    // v1's tag leaves v1 dangling.
    await docker(['pull', fx.moving.v1.ref]);
    await fx.moving.moveTo('v2');
    await docker(['pull', fx.moving.v2.ref]);
    await fx.moving.moveTo('v1');
    await docker(['create', '--name', 'idle', fx.moving.v2.ref, 'true']);
    await docker(['run', '-d', '--name', 'busy', fx.busybox.ref, 'sh', '-c', 'echo hi > /f; sleep 600']);
  });

  it('summarizes like `docker system df`, item by item', async () => {
    const s = await client.call<DiskSummary>('disk.summary', {});
    const totals = (await docker(['system', 'df', '--format', 'json']))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    const byType = Object.fromEntries(totals.map((t) => [t.Type, t]));
    const kinds = {
      Images: s.totals.images,
      Containers: s.totals.containers,
      'Local Volumes': s.totals.volumes,
      'Build Cache': s.totals.buildCache,
    };
    for (const [type, ours] of Object.entries(kinds)) {
      const cli = byType[type]!;
      expect(Number(cli.TotalCount), type).toBe(ours.count);
      expect(Number(cli.Active), type).toBe(ours.active);
      expectSize(cli.Size!, ours.size);
      expectSize(cli.Reclaimable!, ours.reclaimable);
    }
    expect(s.totals.images.count).toBe(3);
    expect(s.totals.containers).toMatchObject({ count: 3, active: 1 });

    const verbose = JSON.parse(await docker(['system', 'df', '-v', '--format', 'json'])) as {
      Images: Record<string, string>[];
      Containers: Record<string, string>[];
      Volumes: Record<string, string>[];
    };
    expect(verbose.Images).toHaveLength(s.images.length);
    for (const row of verbose.Images) {
      const ours = s.images.find((i) => i.id === row.ID)!;
      expect(ours, row.ID).toBeDefined();
      expectSize(row.Size!, ours.size);
      expectSize(row.SharedSize!, ours.sharedSize);
      expectSize(row.UniqueSize!, ours.uniqueSize);
      expect(Number(row.Containers)).toBe(ours.containers);
    }
    const dangling = s.images.filter((i) => i.dangling);
    expect(dangling).toHaveLength(1);
    expect(dangling[0]!.sharedSize).toBeGreaterThan(0);
    expect(s.sharedLayersSize).toBeGreaterThan(0);
    expect(s.layersSize).toBe(s.sharedLayersSize + s.images.reduce((n, i) => n + i.uniqueSize, 0));
    for (const row of verbose.Containers) {
      const ours = s.containers.find((c) => c.name === row.Names)!;
      expectSize(row.Size!.split(' ')[0]!, ours.sizeRw);
    }
    expect(s.containers.find((c) => c.name === 'busy')!.sizeRw).toBeGreaterThan(0);
    for (const row of verbose.Volumes) {
      const ours = s.volumes.find((v) => v.name === row.Name)!;
      expectSize(row.Size!, ours.size);
      expect(Number(row.Links)).toBe(ours.refCount);
    }
  });

  it('previews a reclaim item by item and removes exactly that', async () => {
    const safe = await client.call<ReclaimPlan>('disk.reclaimPreview', {});
    expect(safe.containers.map((c) => c.name).sort()).toEqual(['idle', 'writer']);
    expect(safe.images.map((i) => i.name)).toEqual(['<none>:<none>']);
    expect(safe.volumes).toEqual([]);
    const withVolumes = await client.call<ReclaimPlan>('disk.reclaimPreview', { volumes: true });
    // data1's only user is the stopped writer, which goes first.
    expect(withVolumes.volumes.map((v) => v.name)).toEqual(['data1']);
    const keepContainers = await client.call<ReclaimPlan>('disk.reclaimPreview', {
      containers: false,
      volumes: true,
    });
    expect(keepContainers.containers).toEqual([]);
    expect(keepContainers.volumes).toEqual([]);

    const before = await client.call<DiskSummary>('disk.summary', {});
    const result = await client.call<ReclaimResult>('disk.reclaim', {
      containers: withVolumes.containers.map((c) => c.id),
      images: withVolumes.images.map((i) => i.id),
      volumes: withVolumes.volumes.map((v) => v.id),
    });
    expect(result.failed).toEqual([]);
    expect(result.removed.containers.sort()).toEqual(withVolumes.containers.map((c) => c.id).sort());
    expect(result.removed.images).toEqual(withVolumes.images.map((i) => i.id));
    expect(result.removed.volumes).toEqual(['data1']);
    const after = await client.call<DiskSummary>('disk.summary', {});
    expect(result.spaceReclaimed).toBe(before.total.size - after.total.size);
    expect(result.spaceReclaimed).toBeGreaterThan(ZEROS);
    expect(after.containers.map((c) => c.name)).toEqual(['busy']);
    expect(after.images.filter((i) => i.dangling)).toEqual([]);
    expect((await docker(['volume', 'ls', '-q'])).trim()).toBe('');
    expect(notices.at(-1)?.title).toBe('Disk space reclaimed');
  });

  it('removes unused tagged images only when asked, one tag at a time', async () => {
    await docker(['tag', fx.moving.v2.ref, 'extra/moving:again']);
    const plain = await client.call<ReclaimPlan>('disk.reclaimPreview', {});
    expect(plain.images).toEqual([]);
    const plan = await client.call<ReclaimPlan>('disk.reclaimPreview', { unusedImages: true });
    // busybox is used by the running container; moving v2 (two tags) is unused.
    expect(plan.images.map((i) => i.id)).toEqual([fx.moving.v2.configDigest]);
    const result = await client.call<ReclaimResult>('disk.reclaim', { images: [fx.moving.v2.configDigest] });
    expect(result.failed).toEqual([]);
    expect((await docker(['images', '-q', '--no-trunc'])).trim()).toBe(fx.busybox.configDigest);
  });

  it('says an image is needed when the engine has none to make a helper from', async () => {
    await docker(['rm', '-f', 'busy']);
    await docker(['rmi', fx.busybox.ref]);
    await client.call('volumes.create', { name: 'lonely' });
    const err = await failure(client.call('volumes.browse', { name: 'lonely', path: '/' }));
    expect(err.message).toMatch(/needs an image.*docker pull busybox/s);
    await expect.poll(helpersLeft).toBe('');
  });
});
