/**
 * `docker volume …` with the real docker CLI against a real `berth engine`: create (labels, tmpfs
 * options, anonymous), ls filters, inspect, rm, prune (1.42 and 1.41 semantics), dockerd's errors,
 * events, and volumes with their data surviving an engine restart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../support/engine.js';
import { dockerFails, dockerOk } from '../images/helpers.js';

let eng: TestEngine;

beforeAll(async () => {
  eng = await startEngine();
});

afterAll(async () => {
  await eng?.stop();
});

async function ls(args: string[] = []): Promise<string[]> {
  const res = await dockerOk(eng, ['volume', 'ls', '-q', ...args]);
  return res.stdout.split('\n').filter(Boolean).sort();
}

async function inspect(name: string) {
  const res = await dockerOk(eng, ['volume', 'inspect', name]);
  return JSON.parse(res.stdout)[0];
}

async function rmAll(): Promise<void> {
  const names = await ls();
  if (names.length) await dockerOk(eng, ['volume', 'rm', ...names]);
}

describe('docker volume', () => {
  it('creates named volumes with labels and tmpfs options, and inspects them', async () => {
    const out = await dockerOk(eng, ['volume', 'create', '--label', 'app=web', '--label', 'flag', 'webdata']);
    expect(out.stdout.trim()).toBe('webdata');
    const v = await inspect('webdata');
    expect(v).toMatchObject({
      Name: 'webdata',
      Driver: 'local',
      Scope: 'local',
      Labels: { app: 'web', flag: '' },
      Mountpoint: join(eng.dataRoot, 'volumes/webdata/_data'),
    });
    expect(v.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    await dockerOk(eng, [
      'volume',
      'create',
      '-o',
      'type=tmpfs',
      '-o',
      'device=tmpfs',
      '-o',
      'o=size=1m',
      'scratch',
    ]);
    expect((await inspect('scratch')).Options).toEqual({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
    // Creating an existing name again is fine and changes nothing.
    await dockerOk(eng, ['volume', 'create', '--label', 'other=1', 'webdata']);
    expect((await inspect('webdata')).Labels).toEqual({ app: 'web', flag: '' });

    const anon = (await dockerOk(eng, ['volume', 'create'])).stdout.trim();
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    expect((await inspect(anon)).Labels).toEqual({ 'com.docker.volume.anonymous': '' });
    await rmAll();
  });

  it('lists with filters and formats', async () => {
    await dockerOk(eng, ['volume', 'create', '--label', 'tier=db', 'db-one']);
    await dockerOk(eng, ['volume', 'create', '--label', 'tier=web', 'web-one']);
    await dockerOk(eng, ['volume', 'create', 'other']);
    expect(await ls()).toEqual(['db-one', 'other', 'web-one']);
    expect(await ls(['-f', 'dangling=true'])).toEqual(['db-one', 'other', 'web-one']);
    expect(await ls(['-f', 'dangling=false'])).toEqual([]);
    expect(await ls(['-f', 'name=one'])).toEqual(['db-one', 'web-one']);
    expect(await ls(['-f', 'label=tier'])).toEqual(['db-one', 'web-one']);
    expect(await ls(['-f', 'label=tier=db'])).toEqual(['db-one']);
    expect(await ls(['-f', 'driver=local'])).toHaveLength(3);
    const table = await dockerOk(eng, ['volume', 'ls']);
    expect(table.stdout).toMatch(/DRIVER\s+VOLUME NAME/);
    expect(table.stdout).toMatch(/local\s+db-one/);
    const fmt = await dockerOk(eng, ['volume', 'ls', '--format', '{{.Name}} {{.Labels}}', '-f', 'name=db']);
    expect(fmt.stdout.trim()).toBe('db-one tier=db');
    const bad = await dockerFails(eng, ['volume', 'ls', '-f', 'color=red']);
    expect(bad).toContain("invalid filter 'color'");
    await rmAll();
  });

  it("removes volumes and reports missing ones with dockerd's wording", async () => {
    await dockerOk(eng, ['volume', 'create', 'gone']);
    expect((await dockerOk(eng, ['volume', 'rm', 'gone'])).stdout.trim()).toBe('gone');
    expect(await ls()).toEqual([]);
    const err = await dockerFails(eng, ['volume', 'rm', 'gone']);
    expect(err).toContain('Error response from daemon: get gone: no such volume');
    await dockerOk(eng, ['volume', 'rm', '-f', 'gone']);
    const ins = await dockerFails(eng, ['volume', 'inspect', 'gone']);
    expect(ins).toContain('get gone: no such volume');
    const api = await eng.request('GET', '/v1.50/volumes/gone');
    expect(api.status).toBe(404);
    expect(api.json()).toEqual({ message: 'get gone: no such volume' });
  });

  it('rejects invalid names and options', async () => {
    const err = await dockerFails(eng, ['volume', 'create', 'bad@name']);
    expect(err).toContain(
      'create bad@name: "bad@name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    );
    expect(await dockerFails(eng, ['volume', 'create', '-o', 'foo=bar', 'v1'])).toContain(
      'create v1: invalid option: "foo"',
    );
    expect(await dockerFails(eng, ['volume', 'create', '-d', 'nfsplugin', 'v2'])).toContain(
      'error looking up volume plugin nfsplugin',
    );
    const res = await eng.request('POST', '/volumes/create', { Name: '../escape' });
    expect(res.status).toBe(400);
    expect(await ls()).toEqual([]);
    expect((await eng.request('PUT', '/volumes/v1?version=1', {})).status).toBe(503);
  });

  it('prunes anonymous volumes by default, all with -a, by label, and all on API 1.41', async () => {
    const anon = (await dockerOk(eng, ['volume', 'create'])).stdout.trim();
    writeFileSync(join(eng.dataRoot, 'volumes', anon, '_data/blob'), Buffer.alloc(2048));
    await dockerOk(eng, ['volume', 'create', '--label', 'keep=no', 'named-a']);
    await dockerOk(eng, ['volume', 'create', 'named-b']);
    await dockerOk(eng, ['volume', 'create', 'named-c']);

    const p1 = await dockerOk(eng, ['volume', 'prune', '-f']);
    expect(p1.stdout).toContain(anon);
    expect(p1.stdout).toMatch(/Total reclaimed space: 2\.048kB/);
    expect(await ls()).toEqual(['named-a', 'named-b', 'named-c']);

    await dockerOk(eng, ['volume', 'prune', '-f', '-a', '--filter', 'label=keep=no']);
    expect(await ls()).toEqual(['named-b', 'named-c']);
    await dockerOk(eng, [
      'volume',
      'prune',
      '-f',
      '--all',
      '--filter',
      'label!=nothing',
      '--filter',
      'label=x',
    ]);
    expect(await ls()).toEqual(['named-b', 'named-c']);

    const old = await eng.request('POST', '/v1.41/volumes/prune');
    expect(old.status).toBe(200);
    expect(old.json().VolumesDeleted.sort()).toEqual(['named-b', 'named-c']);
    expect(await ls()).toEqual([]);
  });

  it('sends create and destroy events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(eng, ['volume', 'create', 'evented']);
    await dockerOk(eng, ['volume', 'rm', 'evented']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const res = await dockerOk(eng, [
      'events',
      '--since',
      String(since),
      '--until',
      String(until),
      '--filter',
      'type=volume',
      '--format',
      '{{.Action}} {{.Actor.ID}} {{index .Actor.Attributes "driver"}}',
    ]);
    expect(res.stdout.split('\n').filter((l) => l.includes('evented'))).toEqual([
      'create evented local',
      'destroy evented local',
    ]);
  });

  it('keeps volumes and their data across an engine restart', async () => {
    await dockerOk(eng, ['volume', 'create', '--label', 'persist=yes', 'durable']);
    const before = await inspect('durable');
    writeFileSync(join(before.Mountpoint, 'note.txt'), 'still here');
    await eng.restart();
    const after = await inspect('durable');
    expect(after).toEqual(before);
    expect(readFileSync(join(after.Mountpoint, 'note.txt'), 'utf8')).toBe('still here');
    await dockerOk(eng, ['volume', 'rm', 'durable']);
  });
});
