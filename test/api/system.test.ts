/**
 * System endpoints and the engine process contract, against the real `berth engine` and the real
 * docker CLI: ping headers, version negotiation, 404s, the socket's mode and lifecycle, and the
 * `/events` stream for image events.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH_BIN, REPO_ROOT, startEngine, type TestEngine } from '../support/engine.js';
import { httpRequest } from '../support/http.js';
import { spawnTracked, stopProcess, waitExit } from '../support/processes.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { dockerOk, streamJson, waitFor } from '../images/helpers.js';

let eng: TestEngine;
let reg: TestRegistry;
let fx: Fixtures;

beforeAll(async () => {
  [eng, reg] = await Promise.all([startEngine(), startRegistry()]);
  fx = await pushFixtureImages(reg);
});

afterAll(async () => {
  await eng?.stop();
  await reg?.stop();
});

describe('ping and version negotiation', () => {
  for (const method of ['GET', 'HEAD']) {
    it(`${method} /_ping sends dockerd's headers`, async () => {
      const res = await eng.request(method, '/_ping');
      expect(res.status).toBe(200);
      expect(res.headers['api-version']).toBe('1.50');
      expect(res.headers['ostype']).toBe('linux');
      expect(res.headers['docker-experimental']).toBe('false');
      expect(res.headers['server']).toMatch(/^Berth\/\S+ \(linux\)$/);
      expect(res.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
      expect(res.headers['pragma']).toBe('no-cache');
      expect(res.body.toString()).toBe(method === 'GET' ? 'OK' : '');
    });
  }

  it('/version and /info answer with the fields the CLI reads', async () => {
    const v = (await eng.request('GET', '/version')).json();
    expect(v).toMatchObject({ ApiVersion: '1.50', MinAPIVersion: '1.24', Os: 'linux' });
    expect(v.Components[0].Name).toBe('Engine');
    const info = (await eng.request('GET', '/info')).json();
    expect(info).toMatchObject({ OSType: 'linux', DockerRootDir: eng.dataRoot });
    expect(typeof info.Images).toBe('number');
    expect(typeof info.ID).toBe('string');
  });

  it('docker version and docker info exit 0', async () => {
    const v = await dockerOk(eng, ['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    expect(v.stdout.trim()).toBe('1.50 linux');
    const i = await dockerOk(eng, ['info', '--format', '{{.OSType}} {{.DockerRootDir}}']);
    expect(i.stdout.trim()).toBe(`linux ${eng.dataRoot}`);
    expect((await eng.docker(['info'])).code).toBe(0);
  });

  it('serves every API version from /v1.24 to /v1.50 and unversioned paths', async () => {
    expect((await eng.request('GET', '/version')).status).toBe(200);
    for (let minor = 24; minor <= 50; minor++) {
      const res = await eng.request('GET', `/v1.${minor}/version`);
      expect(res.status, `v1.${minor}`).toBe(200);
      expect((await eng.request('GET', `/v1.${minor}/images/json`)).status).toBe(200);
    }
  });

  it("rejects versions below 1.24 and above 1.50 with dockerd's wording", async () => {
    const old = await eng.request('GET', '/v1.23/version');
    expect(old.status).toBe(400);
    expect(old.json().message).toBe(
      'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    );
    const fresh = await eng.request('GET', '/v1.51/info');
    expect(fresh.status).toBe(400);
    expect(fresh.json().message).toBe(
      'client version 1.51 is too new. Maximum supported API version is 1.50',
    );
    // The CLI pinned to an old version shows the same message.
    const cli = await eng.docker(['version'], { env: { DOCKER_API_VERSION: '1.23' } });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('client version 1.23 is too old');
  });

  it('answers unknown paths with 404 "page not found" JSON', async () => {
    for (const path of ['/nope', '/v1.41/nope/at/all', '/images']) {
      const res = await eng.request('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.json()).toEqual({ message: 'page not found' });
    }
  });
});

describe('the engine process and its socket', () => {
  it('creates the socket with mode 0600', () => {
    expect(statSync(eng.socket).mode & 0o777).toBe(0o600);
  });

  it('refuses to start on a live socket, exits 0 on SIGTERM and removes its socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-sys-'));
    try {
      // A second engine (own data root) on the socket a live engine holds must refuse to start.
      const second = spawnTracked(
        process.execPath,
        [
          BERTH_BIN,
          'engine',
          '--socket',
          eng.socket,
          '--data-root',
          join(dir, 'b'),
          '--config',
          join(dir, 'none.json'),
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      second.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      second.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const code = await waitExit(second);
      expect(code, out).not.toBe(0);
      expect(out).toMatch(/already listening/);
      // The first engine is untouched.
      expect((await eng.request('GET', '/_ping')).status).toBe(200);

      // Own engine: SIGTERM → exit code 0, socket gone.
      const sock = join(dir, 'own.sock');
      const own = spawnTracked(
        process.execPath,
        [
          BERTH_BIN,
          'engine',
          '--socket',
          sock,
          '--data-root',
          join(dir, 'c'),
          '--config',
          join(dir, 'none.json'),
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'ignore'] },
      );
      await waitFor(() => existsSync(sock), 20_000, 'socket');
      const ping = await httpRequest('http://localhost/_ping', { socketPath: sock });
      expect(ping.status).toBe(200);
      own.kill('SIGTERM');
      expect(await waitExit(own)).toEqual({ code: 0, signal: null });
      expect(existsSync(sock)).toBe(false);
      await stopProcess(own, 'SIGKILL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces a stale socket file left by a killed engine', async () => {
    const other = await startEngine();
    try {
      await other.kill('SIGKILL');
      expect(existsSync(other.socket)).toBe(true); // stale: nobody listens
      await other.restart();
      expect((await other.request('GET', '/_ping')).status).toBe(200);
      expect(statSync(other.socket).mode & 0o777).toBe(0o600);
    } finally {
      await other.stop();
    }
  });
});

describe('GET /events', () => {
  const imageEvents = (lines: Array<Record<string, unknown>>) =>
    lines.map((e) => {
      const actor = e.Actor as { ID: string; Attributes: Record<string, string> };
      return {
        Type: e.Type as string,
        Action: e.Action as string,
        ID: actor.ID,
        name: actor.Attributes.name,
      };
    });

  it('streams pull, tag, untag, push and delete as they happen; since/until replay them', async () => {
    const before = (Date.now() / 1000).toFixed(3);
    const live = streamJson(
      eng,
      '/events?filters=' + encodeURIComponent(JSON.stringify({ type: ['image'] })),
    );
    await live.ready;
    const ref = `${reg.host}/busybox:latest`;
    await dockerOk(eng, ['pull', ref]);
    const id = fx.busybox.configDigest;
    await dockerOk(eng, ['tag', ref, `${reg.host}/copy:v1`]);
    await dockerOk(eng, ['push', `${reg.host}/copy:v1`]);
    await dockerOk(eng, ['image', 'rm', `${reg.host}/copy:v1`]);
    await dockerOk(eng, ['image', 'rm', ref]);
    await waitFor(() => live.lines.some((e) => e.Action === 'delete'), 10_000, 'delete event');
    live.close();
    const after = (Date.now() / 1000 + 0.001).toFixed(3);

    const seen = imageEvents(live.lines);
    expect(seen.every((e) => e.Type === 'image')).toBe(true);
    const digest = fx.busybox.manifestDigest;
    // Untagging the last tag of a repository also drops that repository's digest references.
    expect(seen).toEqual([
      { Type: 'image', Action: 'pull', ID: `${reg.host}/busybox:latest`, name: `${reg.host}/busybox` },
      { Type: 'image', Action: 'tag', ID: id, name: `${reg.host}/copy:v1` },
      { Type: 'image', Action: 'push', ID: `${reg.host}/copy:v1`, name: `${reg.host}/copy` },
      { Type: 'image', Action: 'untag', ID: id, name: `${reg.host}/copy:v1` },
      { Type: 'image', Action: 'untag', ID: id, name: `${reg.host}/copy@${digest}` },
      { Type: 'image', Action: 'untag', ID: id, name: `${reg.host}/busybox:latest` },
      { Type: 'image', Action: 'untag', ID: id, name: `${reg.host}/busybox@${digest}` },
      { Type: 'image', Action: 'delete', ID: id, name: id },
    ]);
    // Events carry the image's labels as attributes, like dockerd.
    for (const i of [0, 1, 2]) {
      const e = live.lines[i] as { Actor: { Attributes: Record<string, string> } };
      expect(e.Actor.Attributes['org.berth.test.fixture'], `event ${i}`).toBe('busybox');
    }

    // since + until replays the same events and then ends the stream.
    const replay = streamJson(eng, `/events?since=${before}&until=${after}`);
    expect(await replay.ended).toBe(200);
    const replayed = imageEvents(replay.lines).filter((e) => e.Type === 'image');
    expect(replayed).toEqual(seen);

    // filters: event and image.
    const onlyTags = streamJson(
      eng,
      `/events?since=${before}&until=${after}&filters=` +
        encodeURIComponent(JSON.stringify({ event: ['tag', 'untag'] })),
    );
    await onlyTags.ended;
    expect(imageEvents(onlyTags.lines).map((e) => e.Action)).toEqual([
      'tag',
      'untag',
      'untag',
      'untag',
      'untag',
    ]);
    const byImage = streamJson(
      eng,
      `/events?since=${before}&until=${after}&filters=` +
        encodeURIComponent(JSON.stringify({ image: [`${reg.host}/copy:v1`] })),
    );
    await byImage.ended;
    // The image filter matches the ID too (dockerd), so every event of this image shows.
    expect(imageEvents(byImage.lines).map((e) => e.Action)).toEqual(['tag', 'push', 'untag']);
    // A repository name matches its tags and digests but not other repositories (no prefix match).
    const byRepo = streamJson(
      eng,
      `/events?since=${before}&until=${after}&filters=` +
        encodeURIComponent(JSON.stringify({ image: [`${reg.host}/copy`, `${reg.host}/cop`] })),
    );
    await byRepo.ended;
    expect(imageEvents(byRepo.lines).map((e) => e.Action)).toEqual(['tag', 'push', 'untag', 'untag']);
    const byType = streamJson(
      eng,
      `/events?since=${before}&until=${after}&filters=` +
        encodeURIComponent(JSON.stringify({ type: ['container'] })),
    );
    await byType.ended;
    expect(byType.lines).toEqual([]);

    // The CLI: docker events --since … --until … prints the same and exits.
    const cli = await dockerOk(eng, [
      'events',
      '--since',
      before,
      '--until',
      after,
      '--filter',
      'type=image',
      '--format',
      '{{.Action}} {{.Actor.ID}}',
    ]);
    expect(cli.stdout.trim().split('\n')).toEqual([
      `pull ${reg.host}/busybox:latest`,
      `tag ${id}`,
      `push ${reg.host}/copy:v1`,
      `untag ${id}`,
      `untag ${id}`,
      `untag ${id}`,
      `untag ${id}`,
      `delete ${id}`,
    ]);
    const cliFiltered = await dockerOk(eng, [
      'events',
      '--since',
      before,
      '--until',
      after,
      '--filter',
      'event=delete',
      '--format',
      '{{json .}}',
    ]);
    const del = cliFiltered.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(del).toHaveLength(1);
    expect(del[0]).toMatchObject({ Type: 'image', Action: 'delete', id, status: 'delete' });
  });

  it('rejects until before since and unknown filters', async () => {
    const bad = await eng.request('GET', '/events?since=200&until=100');
    expect(bad.status).toBe(400);
    const unknown = await eng.request('GET', '/events?filters=' + encodeURIComponent('{"bogus":["x"]}'));
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toBe("invalid filter 'bogus'");
  });
});
