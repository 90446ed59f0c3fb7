import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UnauthorizedError } from '../../engine/errors.js';
import { parseReference } from '../../engine/reference/index.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { readAll, sha256, testClient } from './helpers.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'berth-registry-auth-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('Basic auth', () => {
  let reg: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'basic' });
    fx = await pushFixtureImages(reg);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('asks for credentials when it has none', async () => {
    const c = testClient();
    const err = await c.resolve(parseReference(`${reg.host}/busybox`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toBe('no basic auth credentials');
    c.close();
  });

  it('pulls with credentials from X-Registry-Auth', async () => {
    const c = testClient();
    const auth = { username: reg.username, password: reg.password, serveraddress: reg.host };
    const r = await c.resolve(parseReference(`${reg.host}/busybox`), { auth });
    expect(r.digest).toBe(fx.busybox.manifestDigest);
    const layer = await readAll(
      await c.fetchBlob(parseReference(`${reg.host}/busybox`), r.layers[0], { auth }),
    );
    expect(sha256(layer)).toBe(r.layers[0].digest);
    const bad = await c
      .resolve(parseReference(`${reg.host}/busybox`), { auth: { username: reg.username, password: 'wrong' } })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(UnauthorizedError);
    c.close();
  });

  it('pulls with credentials from the docker config', async () => {
    const dir = join(tmp, 'basic-config');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: { [reg.host]: { auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64') } },
      }),
    );
    const c = testClient({ dockerConfigDir: dir });
    expect((await c.resolve(parseReference(`${reg.host}/busybox`))).digest).toBe(fx.busybox.manifestDigest);
    c.close();
  });

  it('logs in', async () => {
    const c = testClient();
    expect(
      await c.login({ username: reg.username, password: reg.password, serveraddress: reg.host }),
    ).toEqual({
      status: 'Login Succeeded',
    });
    const err = await c
      .login({ username: reg.username, password: 'nope', serveraddress: `http://${reg.host}/` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toMatch(
      /^login attempt to http:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401 Unauthorized$/,
    );
    c.close();
  });
});

describe('token auth', () => {
  let reg: TestRegistry;
  let fx: Fixtures;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token' });
    fx = await pushFixtureImages(reg);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('fails anonymously with the registry’s message', async () => {
    const c = testClient();
    const err = await c.resolve(parseReference(`${reg.host}/busybox`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toBe('unauthorized: authentication required');
    c.close();
  });

  it('says "pull access denied" for Docker Hub as dockerd does', async () => {
    const c = testClient({ hubOrigin: reg.url });
    const err = await c.resolve(parseReference('busybox')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(
      "pull access denied for busybox, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    );
    c.close();
  });

  it('pulls with a token for the repository scope and reuses it', async () => {
    const c = testClient();
    const auth = { username: reg.username, password: reg.password };
    const ref = parseReference(`${reg.host}/multi`);
    const before = reg.token!.requests.length;
    const r = await c.resolve(ref, { auth, platform: 'linux/arm64' });
    expect(r.repoDigest).toBe(fx.multi.indexDigest);
    const blob = await readAll(await c.fetchBlob(ref, r.config, { auth }));
    expect(sha256(blob)).toBe(r.config.digest);
    await c.resolve(ref, { auth });
    const mine = reg.token!.requests.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      method: 'GET',
      scopes: ['repository:multi:pull'],
      user: reg.username,
      granted: true,
    });
    c.close();
  });

  it('uses a credential helper from the docker config', async () => {
    const dir = join(tmp, 'helper-config');
    const bin = join(tmp, 'bin');
    mkdirSync(dir, { recursive: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credHelpers: { [reg.host]: 'berthtest' } }));
    writeFileSync(
      join(bin, 'docker-credential-berthtest'),
      `#!/bin/sh\nread -r url\n[ "$url" = "${reg.host}" ] || exit 1\necho '{"Username":"${reg.username}","Secret":"${reg.password}"}'\n`,
      { mode: 0o755 },
    );
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      const c = testClient({ dockerConfigDir: dir });
      expect((await c.resolve(parseReference(`${reg.host}/busybox`))).digest).toBe(fx.busybox.manifestDigest);
      c.close();
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('logs in and refuses bad credentials', async () => {
    const c = testClient();
    expect(
      (await c.login({ username: reg.username, password: reg.password, serveraddress: reg.host })).status,
    ).toBe('Login Succeeded');
    const err = await c
      .login({ username: reg.username, password: 'bad', serveraddress: reg.host })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toContain('unauthorized: invalid credentials');
    c.close();
  });
});

describe('TLS', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ tls: true });
    await pushFixtureImages(reg);
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('talks HTTPS to a TLS registry with a CA from certs.d', async () => {
    const certs = join(tmp, 'certs.d');
    mkdirSync(join(certs, reg.host), { recursive: true });
    copyFileSync(reg.caCertPath!, join(certs, reg.host, 'ca.crt'));
    const c = testClient({ certsDir: certs });
    const r = await c.resolve(parseReference(`${reg.host}/busybox`));
    expect(r.endpoint).toBe(`https://${reg.host}`);
    c.close();
  });
});
