import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startEngine, type TestEngine } from '../support/engine.js';
import { run } from '../support/processes.js';
import { rootfsTar, sha256 } from './helpers.js';

let engine: TestEngine;
let dir: string;
let rootfs: Buffer;

beforeAll(async () => {
  engine = await startEngine();
  dir = mkdtempSync(join(tmpdir(), 'berth-import-'));
  rootfs = await rootfsTar([{ name: 'hello', content: 'imported\n' }]);
});

afterAll(async () => {
  await engine?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- docker inspect JSON
async function inspect(name: string): Promise<any> {
  const r = await engine.docker(['image', 'inspect', name]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout)[0];
}

describe('docker import', () => {
  it('imports a tar file with changes and a message', async () => {
    const file = join(dir, 'rootfs.tar');
    writeFileSync(file, rootfs);
    const since = Math.floor(Date.now() / 1000) - 1;
    const r = await engine.docker([
      'import',
      '--change',
      'CMD ["sh"]',
      '-c',
      'ENV A=b',
      '-c',
      'LABEL com.example.k="v 1"',
      '-c',
      'EXPOSE 8080/udp 80',
      '-c',
      'WORKDIR /srv',
      '-c',
      'USER nobody',
      '-c',
      'STOPSIGNAL SIGINT',
      '-m',
      'my message',
      file,
      'imported:v1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);

    const img = await inspect('imported:v1');
    expect(img.Id).toBe(id);
    expect(img.RepoTags).toEqual(['imported:v1']);
    expect(img.Comment).toBe('my message');
    expect(img.Os).toBe('linux');
    expect(img.Config.Cmd).toEqual(['sh']);
    expect(img.Config.Env).toEqual(['A=b']);
    expect(img.Config.Labels).toEqual({ 'com.example.k': 'v 1' });
    expect(Object.keys(img.Config.ExposedPorts).sort()).toEqual(['80/tcp', '8080/udp']);
    expect(img.Config.WorkingDir).toBe('/srv');
    expect(img.Config.User).toBe('nobody');
    expect(img.Config.StopSignal).toBe('SIGINT');
    expect(img.RootFS.Layers).toEqual([sha256(rootfs)]);
    expect(img.Size).toBeGreaterThan(500_000);

    const hist = await engine.docker(['history', '--no-trunc', '--format', '{{.Comment}}', 'imported:v1']);
    expect(hist.stdout.trim()).toBe('my message');

    const ev = await engine.request(
      'GET',
      `/events?since=${since}&until=${Math.ceil(Date.now() / 1000) + 1}`,
    );
    const events = ev.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.some((e) => e.Type === 'image' && e.Action === 'import' && e.Actor.ID === id)).toBe(true);
  });

  it('imports gzip and zstd from stdin with the same diff ID, tag defaulting to latest', async () => {
    const gz = await engine.docker(['import', '-', 'fromgzip'], { input: gzipSync(rootfs) });
    expect(gz.code, gz.stderr).toBe(0);
    const zst = (await run('zstd', ['-q', '-c'], { input: rootfs })).stdout;
    const z = await engine.docker(['import', '-', 'fromzstd'], { input: zst });
    expect(z.code, z.stderr).toBe(0);
    const a = await inspect('fromgzip:latest');
    const b = await inspect('fromzstd:latest');
    expect(a.RootFS.Layers).toEqual([sha256(rootfs)]);
    expect(b.RootFS.Layers).toEqual([sha256(rootfs)]);
    const hist = await engine.docker(['history', '--format', '{{.Comment}}', 'fromgzip']);
    expect(hist.stdout.trim()).toBe('Imported from -');
  });

  it('imports untagged and reports the ID', async () => {
    const r = await engine.docker(['import', '-'], { input: rootfs });
    expect(r.code, r.stderr).toBe(0);
    const img = await inspect(r.stdout.trim());
    expect(img.RepoTags).toEqual([]);
  });

  it('rejects changes dockerd rejects, before reading the body', async () => {
    const r = await engine.docker(['import', '-c', 'RUN echo hi', '-', 'bad'], { input: rootfs });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('run is not a valid change command');
    const gone = await engine.docker(['image', 'inspect', 'bad']);
    expect(gone.code).not.toBe(0);
  });

  it('refuses to fetch a URL', async () => {
    const r = await engine.request(
      'POST',
      '/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A1%2Fx.tar&repo=url',
    );
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/not supported/);
  });

  it('rejects a body that is not a tar', async () => {
    const r = await engine.docker(['import', '-', 'garbage'], {
      input: Buffer.from('this is not a tar archive at all '.repeat(40)),
    });
    expect(r.code).not.toBe(0);
    expect((await engine.docker(['image', 'inspect', 'garbage'])).code).not.toBe(0);
  });
});
