// Unit tests of the images backend's pure parts: references, the progress stream, layer alignment for
// the prune preview, and the docker config credentials file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TransferEvent } from '../../contract/images.js';
import { HandlerError } from '../errors.js';
import { alignSizes, chainIds } from './catalog.js';
import { getCredentials, listLogins, removeCredentials, saveCredentials } from './credentials.js';
import { isAuthError, jsonLines, phaseOf, TransferTracker, type JsonMessage } from './progress.js';
import { normalizeRegistry, parseRef, registryKey } from './reference.js';

describe('references', () => {
  it('finds the registry, name, tag and digest', () => {
    expect(parseRef('busybox')).toEqual({ registry: 'docker.io', name: 'busybox' });
    expect(parseRef('library/busybox:1.36')).toEqual({
      registry: 'docker.io',
      name: 'library/busybox',
      tag: '1.36',
    });
    expect(parseRef('127.0.0.1:5000/app')).toEqual({
      registry: '127.0.0.1:5000',
      name: '127.0.0.1:5000/app',
    });
    expect(parseRef('localhost/a/b:v1@sha256:abc')).toEqual({
      registry: 'localhost',
      name: 'localhost/a/b',
      tag: 'v1',
      digest: 'sha256:abc',
    });
    expect(parseRef('ghcr.io/o/r@sha256:abc').digest).toBe('sha256:abc');
  });

  it('keys Docker Hub the way the docker CLI does', () => {
    expect(registryKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(registryKey('https://index.docker.io/v1/')).toBe('https://index.docker.io/v1/');
    expect(registryKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeRegistry('https://Registry.Example.com:443/v2/')).toBe('registry.example.com:443');
  });
});

describe('progress', () => {
  const pull: JsonMessage[] = [
    { status: 'Pulling from library/app', id: 'latest' },
    { status: 'Already exists', id: 'aaaaaaaaaaaa', progressDetail: {} },
    { status: 'Pulling fs layer', id: 'bbbbbbbbbbbb', progressDetail: {} },
    { status: 'Waiting', id: 'bbbbbbbbbbbb', progressDetail: {} },
    { status: 'Downloading', id: 'bbbbbbbbbbbb', progressDetail: { current: 100, total: 1000 } },
    { status: 'Downloading', id: 'bbbbbbbbbbbb', progressDetail: { current: 500, total: 1000 } },
    { status: 'Verifying Checksum', id: 'bbbbbbbbbbbb', progressDetail: {} },
    { status: 'Download complete', id: 'bbbbbbbbbbbb', progressDetail: {} },
    { status: 'Extracting', id: 'bbbbbbbbbbbb', progressDetail: { current: 2000, total: 4000 } },
    { status: 'Pull complete', id: 'bbbbbbbbbbbb', progressDetail: {} },
    { status: `Digest: sha256:${'d'.repeat(64)}` },
    { status: 'Status: Downloaded newer image for app:latest' },
  ];

  it('tracks each layer and the whole transfer', () => {
    const events: TransferEvent[] = [];
    let now = 0;
    const tracker = new TransferTracker(
      (e) => events.push(e),
      () => (now += 1000),
    );
    for (const m of pull) tracker.handle(m);
    tracker.flush();
    const layers = events.flatMap((e) => (e.kind === 'layer' ? [e.layer] : []));
    expect(new Set(layers.map((l) => l.id))).toEqual(new Set(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']));
    expect(layers.find((l) => l.id === 'aaaaaaaaaaaa')?.phase).toBe('exists');
    expect(layers.filter((l) => l.id === 'bbbbbbbbbbbb').map((l) => l.phase)).toEqual([
      'waiting',
      'waiting',
      'downloading',
      'downloading',
      'verifying',
      'verifying',
      'extracting',
      'done',
    ]);
    expect(layers.find((l) => l.phase === 'extracting')).toMatchObject({ current: 2000, total: 4000 });
    // Extraction does not disturb the byte count of the download.
    expect(tracker.overall()).toEqual({ current: 1000, total: 1000, layersDone: 2, layersTotal: 2 });
    expect(tracker.digest).toBe(`sha256:${'d'.repeat(64)}`);
    expect(events.filter((e) => e.kind === 'status').map((e) => (e as { message: string }).message)[0]).toBe(
      'Pulling from library/app',
    );
  });

  it('coalesces byte updates of a layer but never a change of phase', () => {
    const events: TransferEvent[] = [];
    const tracker = new TransferTracker(
      (e) => events.push(e),
      () => 5,
    );
    tracker.handle({ status: 'Downloading', id: 'x', progressDetail: { current: 1, total: 10 } });
    for (let i = 2; i < 10; i++)
      tracker.handle({ status: 'Downloading', id: 'x', progressDetail: { current: i, total: 10 } });
    expect(events).toHaveLength(1);
    tracker.flush();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ layer: { current: 9 } });
    tracker.handle({ status: 'Pull complete', id: 'x' });
    expect(events).toHaveLength(3);
  });

  it('turns an error line into an error, 401 for auth failures', () => {
    const tracker = new TransferTracker(() => undefined);
    const thrown = (m: JsonMessage) => {
      try {
        tracker.handle(m);
      } catch (err) {
        return err as HandlerError;
      }
      throw new Error('no error');
    };
    expect(thrown({ errorDetail: { message: 'no basic auth credentials' }, error: 'x' }).status).toBe(401);
    expect(thrown({ error: 'manifest unknown' }).status).toBe(500);
    expect(
      isAuthError("pull access denied for x, repository does not exist or may require 'docker login'"),
    ).toBe(true);
    expect(isAuthError('connection refused')).toBe(false);
    expect(phaseOf('Layer already exists')).toBe('exists');
    expect(phaseOf('Mounted from library/busybox')).toBe('exists');
    expect(phaseOf('Pushing')).toBe('uploading');
    expect(phaseOf('Pushed')).toBe('done');
  });

  it('splits JSON lines across chunks', async () => {
    const chunks = ['{"status":"a"}\r\n{"sta', 'tus":"b"}\n\n', 'not json\n{"status":"c"}'];
    const out: JsonMessage[] = [];
    for await (const m of jsonLines(Readable.from(chunks.map((c) => Buffer.from(c))))) out.push(m);
    expect(out.map((m) => m.status)).toEqual(['a', 'b', 'c']);
  });
});

describe('layers for the prune preview', () => {
  const EMPTY = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

  it('computes chain ids like the engine', () => {
    const [a, b] = chainIds(['sha256:aa', 'sha256:bb']);
    expect(a).toBe('sha256:aa');
    expect(b).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(chainIds(['sha256:cc', 'sha256:bb'])[1]).not.toBe(b);
  });

  it('matches history sizes to layers, or gives up when it cannot tell', () => {
    expect(alignSizes(['sha256:a', 'sha256:b'], [10, 20])).toEqual([10, 20]);
    // Metadata steps (size 0) between layers.
    expect(alignSizes(['sha256:a', 'sha256:b'], [10, 0, 20, 0])).toEqual([10, 20]);
    // An empty layer is known by its diff id.
    expect(alignSizes(['sha256:a', EMPTY, 'sha256:b'], [10, 0, 0, 20])).toEqual([10, 0, 20]);
    // A zero-size layer we cannot place.
    expect(alignSizes(['sha256:a', 'sha256:z', 'sha256:b'], [10, 0, 0, 20])).toBeUndefined();
  });
});

describe('docker config credentials', () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.DOCKER_CONFIG;
    dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
    process.env.DOCKER_CONFIG = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = saved;
  });
  const file = () => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

  it('writes auths like docker login and keeps every other key', async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        detachKeys: 'ctrl-x',
        auths: { 'b.example': { auth: 'eDp5' } },
        proxies: { default: {} },
      }),
    );
    expect(await saveCredentials('a.example:5000', { username: 'me', password: 'p:w' })).toBe('file');
    expect(await saveCredentials('docker.io', { username: 'hub', password: 'secret' })).toBe('file');
    const cfg = file();
    expect(cfg.detachKeys).toBe('ctrl-x');
    expect(cfg.proxies).toEqual({ default: {} });
    expect(cfg.auths['b.example']).toEqual({ auth: 'eDp5' });
    expect(Buffer.from(cfg.auths['a.example:5000'].auth, 'base64').toString()).toBe('me:p:w');
    expect(cfg.auths['https://index.docker.io/v1/']).toBeDefined();
    expect(await getCredentials('a.example:5000')).toEqual({ username: 'me', password: 'p:w' });
    expect(await getCredentials('index.docker.io')).toEqual({ username: 'hub', password: 'secret' });
    expect(await getCredentials('c.example')).toBeUndefined();
    expect((await listLogins()).map((l) => `${l.registry}=${l.username}`)).toEqual([
      'a.example:5000=me',
      'b.example=x',
      'docker.io=hub',
    ]);
    await removeCredentials('a.example:5000');
    expect(file().auths['a.example:5000']).toBeUndefined();
    expect(file().detachKeys).toBe('ctrl-x');
  });

  it('reads a missing config as empty and refuses to overwrite a broken one', async () => {
    expect(await getCredentials('a.example')).toBeUndefined();
    expect(await listLogins()).toEqual([]);
    writeFileSync(join(dir, 'config.json'), '{ not json');
    await expect(saveCredentials('a.example', { username: 'u', password: 'p' })).rejects.toThrow(
      /not valid JSON/,
    );
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe('{ not json');
  });

  it('uses a credential helper when config.json names one', async () => {
    // A tiny helper on PATH that stores into a file, speaking the docker-credential protocol.
    const bin = mkdtempSync(join(tmpdir(), 'berth-helper-'));
    const store = join(bin, 'store.json');
    writeFileSync(
      join(bin, 'docker-credential-berthtest'),
      `#!/bin/sh
input=$(cat)
case "$1" in
  store) printf '%s' "$input" > ${store} ;;
  get) if [ -f ${store} ]; then cat ${store}; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f ${store} ;;
esac
`,
      { mode: 0o755 },
    );
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'berthtest' }));
      expect(await getCredentials('r.example')).toBeUndefined();
      expect(await saveCredentials('r.example', { username: 'u', password: 's3cret' })).toBe(
        'helper:berthtest',
      );
      expect(JSON.parse(readFileSync(store, 'utf8'))).toEqual({
        ServerURL: 'r.example',
        Username: 'u',
        Secret: 's3cret',
      });
      // The secret is not in config.json.
      expect(file().auths['r.example']).toEqual({});
      expect(await getCredentials('r.example')).toEqual({ username: 'u', password: 's3cret' });
      expect(await listLogins()).toEqual([
        { registry: 'r.example', username: 'u', store: 'helper:berthtest' },
      ]);
    } finally {
      process.env.PATH = path;
    }
  });
});
