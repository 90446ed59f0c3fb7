/**
 * VolumeService on real directories: layout and metadata, names and options with dockerd's errors,
 * filters, removal and prune, persistence across restarts, tmpfs and bind mounts (root only).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type EngineEvent } from '../../engine/events.js';
import { VolumeService } from '../../engine/volumes/service.js';
import { isMountPoint, unmountAllUnder } from '../../engine/volumes/mounts.js';

const isRoot = process.getuid?.() === 0;

let dataRoot: string;
let events: EventBus;
let seen: EngineEvent[];
let svc: VolumeService;
const users = new Map<string, string[]>();

function service(): VolumeService {
  return new VolumeService({ dataRoot, events, usage: (name) => users.get(name) ?? [] });
}

beforeEach(async () => {
  dataRoot = mkdtempSync(join(tmpdir(), 'berth-vol-'));
  events = new EventBus();
  seen = [];
  events.subscribe((e) => seen.push(e));
  users.clear();
  svc = service();
  await svc.init();
});

afterEach(async () => {
  await unmountAllUnder(dataRoot).catch(() => undefined);
  rmSync(dataRoot, { recursive: true, force: true });
});

describe('create', () => {
  it('lays a named volume out like dockerd and persists its metadata', async () => {
    const v = await svc.create({ name: 'data1', labels: { a: 'b' } });
    expect(v).toMatchObject({
      Name: 'data1',
      Driver: 'local',
      Mountpoint: join(dataRoot, 'volumes/data1/_data'),
      Labels: { a: 'b' },
      Options: {},
      Scope: 'local',
    });
    expect(v.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(v.UsageData).toBeUndefined();
    expect(existsSync(v.Mountpoint)).toBe(true);
    const meta = JSON.parse(readFileSync(join(dataRoot, 'volumes/data1/volume.json'), 'utf8'));
    expect(meta).toMatchObject({ name: 'data1', labels: { a: 'b' }, anonymous: false });
    expect(seen.map((e) => [e.Type, e.Action, e.Actor.ID, e.Actor.Attributes.driver])).toEqual([
      ['volume', 'create', 'data1', 'local'],
    ]);
  });

  it('is idempotent for an existing name, but refuses different driver options', async () => {
    await svc.create({ name: 'same', labels: { x: '1' } });
    const again = await svc.create({ name: 'same', labels: { y: '2' } });
    expect(again.Labels).toEqual({ x: '1' });
    expect(seen.filter((e) => e.Action === 'create')).toHaveLength(1);
    await expect(
      svc.create({ name: 'same', options: { type: 'tmpfs', device: 'tmpfs' } }),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('gives anonymous volumes a random 64-hex name and the anonymous label', async () => {
    const v = await svc.create({});
    expect(v.Name).toMatch(/^[0-9a-f]{64}$/);
    expect(v.Labels).toEqual({ 'com.docker.volume.anonymous': '' });
  });

  it("rejects invalid names with dockerd's wording", async () => {
    await expect(svc.create({ name: 'a b' })).rejects.toMatchObject({
      status: 400,
      message:
        'create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    });
    for (const name of ['../x', '.hidden', '-x', 'x/y', 'a:b'])
      await expect(svc.create({ name }), name).rejects.toMatchObject({ status: 400 });
    await expect(svc.create({ name: 'a' })).rejects.toThrow(/volume name is too short/);
    expect(existsSync(join(dataRoot, 'x'))).toBe(false);
  });

  it('rejects unknown and incomplete driver options, and other drivers', async () => {
    await expect(svc.create({ name: 'v1', options: { foo: 'bar' } })).rejects.toMatchObject({
      status: 400,
      message: 'create v1: invalid option: "foo"',
    });
    await expect(svc.create({ name: 'v1', options: { type: 'tmpfs' } })).rejects.toThrow(
      'create v1: missing required option: "device"',
    );
    await expect(svc.create({ name: 'v1', options: { o: 'size=1m', device: 'tmpfs' } })).rejects.toThrow(
      'missing required option: "type"',
    );
    await expect(svc.create({ name: 'v1', options: { size: '10m' } })).rejects.toThrow(/no quota support/);
    await expect(svc.create({ name: 'v1', driver: 'nfs-plugin' })).rejects.toMatchObject({ status: 404 });
    expect(svc.has('v1')).toBe(false);
  });
});

describe('list, inspect and remove', () => {
  beforeEach(async () => {
    await svc.create({ name: 'web-data', labels: { app: 'web', tier: 'front' } });
    await svc.create({ name: 'db-data', labels: { app: 'db' } });
    await svc.create({ name: 'cache' });
    users.set('db-data', ['c1']);
  });

  const names = (f: Record<string, string[]>) => svc.list(new Map(Object.entries(f))).map((v) => v.Name);

  it('filters by dangling, name, label and driver', () => {
    expect(names({})).toEqual(['cache', 'db-data', 'web-data']);
    expect(names({ dangling: ['true'] })).toEqual(['cache', 'web-data']);
    expect(names({ dangling: ['0'] })).toEqual(['db-data']);
    expect(names({ name: ['data'] })).toEqual(['db-data', 'web-data']);
    expect(names({ name: ['^web'] })).toEqual(['web-data']);
    expect(names({ label: ['app'] })).toEqual(['db-data', 'web-data']);
    expect(names({ label: ['app=web'] })).toEqual(['web-data']);
    expect(names({ label: ['app', 'tier=front'] })).toEqual(['web-data']);
    expect(names({ driver: ['local'] })).toHaveLength(3);
    expect(names({ driver: ['other'] })).toEqual([]);
    expect(() => names({ dangling: ['maybe'] })).toThrow("invalid filter 'dangling=maybe'");
  });

  it("answers 404 and 409 with dockerd's wording; force only forgives a missing volume", async () => {
    expect(() => svc.inspect('nope')).toThrow('get nope: no such volume');
    await expect(svc.remove('nope')).rejects.toMatchObject({
      status: 404,
      message: 'get nope: no such volume',
    });
    await svc.remove('nope', { force: true });
    users.set('db-data', ['c1', 'c2']);
    await expect(svc.remove('db-data', { force: true })).rejects.toMatchObject({
      status: 409,
      message: 'remove db-data: volume is in use - [c1, c2]',
    });
  });

  it('removes the data with the volume and emits destroy', async () => {
    const mp = svc.inspect('cache').Mountpoint;
    writeFileSync(join(mp, 'f'), 'x');
    await svc.remove('cache');
    expect(existsSync(join(dataRoot, 'volumes/cache'))).toBe(false);
    expect(svc.has('cache')).toBe(false);
    expect(seen.at(-1)).toMatchObject({ Type: 'volume', Action: 'destroy', Actor: { ID: 'cache' } });
  });
});

describe('prune', () => {
  it('removes unused anonymous volumes only, unless all; honours label filters', async () => {
    const anon = await svc.create({});
    const anonUsed = await svc.create({ labels: { keep: '1' } });
    users.set(anonUsed.Name, ['c1']);
    await svc.create({ name: 'named1', labels: { env: 'test' } });
    await svc.create({ name: 'named2' });
    writeFileSync(join(anon.Mountpoint, 'blob'), Buffer.alloc(1000));

    const r1 = await svc.prune();
    expect(r1).toEqual({ VolumesDeleted: [anon.Name], SpaceReclaimed: 1000 });
    expect(seen.at(-1)).toMatchObject({
      Action: 'prune',
      Actor: { ID: '', Attributes: { reclaimed: '1000' } },
    });

    const r2 = await svc.prune(
      new Map([
        ['all', ['true']],
        ['label', ['env=test']],
      ]),
    );
    expect(r2.VolumesDeleted).toEqual(['named1']);
    const r3 = await svc.prune(new Map([['label!', ['nothing']]]), { all: true });
    expect(r3.VolumesDeleted).toEqual(['named2']);
    expect(svc.list().map((v) => v.Name)).toEqual([anonUsed.Name]);
    await expect(svc.prune(new Map([['all', ['yes']]]))).rejects.toThrow("invalid filter 'all=yes'");
  });
});

describe('persistence', () => {
  it('keeps volumes, labels, options and data across a restart; finishes interrupted removals', async () => {
    const v = await svc.create({
      name: 'keep',
      labels: { k: 'v' },
      options: { type: 'tmpfs', device: 'tmpfs' },
    });
    writeFileSync(join(v.Mountpoint, 'file'), 'hello');
    // A removal interrupted after the rename, and a volume directory without metadata.
    mkdirSync(join(dataRoot, 'volumes/.removing-old-1234/_data'), { recursive: true });
    mkdirSync(join(dataRoot, 'volumes/handmade/_data'), { recursive: true });
    writeFileSync(join(dataRoot, 'volumes/handmade/_data/x'), 'y');

    const again = service();
    await again.init();
    expect(again.inspect('keep')).toEqual(v);
    expect(readFileSync(join(again.inspect('keep').Mountpoint, 'file'), 'utf8')).toBe('hello');
    expect(existsSync(join(dataRoot, 'volumes/.removing-old-1234'))).toBe(false);
    expect(again.inspect('handmade').Options).toEqual({});
  });
});

describe('usage', () => {
  it('reports sizes (hard links once) and reference counts for system df', async () => {
    const v = await svc.create({ name: 'sized' });
    writeFileSync(join(v.Mountpoint, 'a'), Buffer.alloc(300));
    mkdirSync(join(v.Mountpoint, 'sub'));
    writeFileSync(join(v.Mountpoint, 'sub/b'), Buffer.alloc(200));
    const { linkSync } = await import('node:fs');
    linkSync(join(v.Mountpoint, 'a'), join(v.Mountpoint, 'sub/a-link'));
    await svc.create({ name: 'empty' });
    users.set('sized', ['c1', 'c2']);
    const df = await svc.dfVolumes();
    expect(df.map((d) => [d.Name, d.UsageData])).toEqual([
      ['empty', { Size: 0, RefCount: 0 }],
      ['sized', { Size: 500, RefCount: 2 }],
    ]);
  });
});

describe('mounted volumes (root)', () => {
  it('runs as root (mounting needs it)', () => {
    expect(isRoot).toBe(true);
  });

  it('mounts a tmpfs volume at first use and unmounts it after the last, with events', async () => {
    const v = await svc.create({ name: 'tmp', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const path = await svc.mount('tmp', { container: 'c1', destination: '/data' });
    expect(path).toBe(v.Mountpoint);
    expect(await isMountPoint(path)).toBe(true);
    writeFileSync(join(path, 'in-tmpfs'), 'x');
    await svc.mount('tmp', { container: 'c2', destination: '/other' });
    expect(svc.users('tmp').sort()).toEqual(['c1', 'c2']);
    await expect(svc.remove('tmp')).rejects.toMatchObject({ status: 409 });
    await svc.unmount('tmp', { container: 'c1' });
    expect(await isMountPoint(path)).toBe(true);
    await svc.unmount('tmp', { container: 'c2' });
    expect(await isMountPoint(path)).toBe(false);
    expect(existsSync(join(path, 'in-tmpfs'))).toBe(false);
    const mounts = seen.filter((e) => e.Action === 'mount' || e.Action === 'unmount');
    expect(mounts[0]).toMatchObject({
      Action: 'mount',
      Actor: { ID: 'tmp', Attributes: { container: 'c1', destination: '/data', driver: 'local' } },
    });
    expect(mounts.map((e) => e.Action)).toEqual(['mount', 'mount', 'unmount', 'unmount']);
  });

  it('mounts a bind volume, and removing it never deletes the host directory', async () => {
    const host = mkdtempSync(join(tmpdir(), 'berth-bindsrc-'));
    try {
      writeFileSync(join(host, 'precious'), 'keep me');
      await svc.create({ name: 'bound', options: { type: 'none', o: 'bind', device: host } });
      const path = await svc.mount('bound');
      expect(readFileSync(join(path, 'precious'), 'utf8')).toBe('keep me');
      // The engine restarts while the bind is still mounted: the new service sees it mounted.
      const again = service();
      await again.init();
      await again.remove('bound');
      expect(readFileSync(join(host, 'precious'), 'utf8')).toBe('keep me');
      expect(existsSync(join(dataRoot, 'volumes/bound'))).toBe(false);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('reports a failed mount with the path', async () => {
    await svc.create({ name: 'badbind', options: { type: 'none', o: 'bind', device: '/does/not/exist' } });
    await expect(svc.mount('badbind')).rejects.toThrow(/error while mounting volume '.*badbind\/_data'/);
    expect(svc.users('badbind')).toEqual([]);
  });
});
