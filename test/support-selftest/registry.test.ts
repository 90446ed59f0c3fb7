import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuth, httpRequest } from '../support/http.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const started: TestRegistry[] = [];
afterAll(async () => {
  await Promise.all(started.map((r) => r.stop()));
});
async function start(opts: Parameters<typeof startRegistry>[0]) {
  const reg = await startRegistry(opts);
  started.push(reg);
  return reg;
}

describe('startRegistry', () => {
  it('serves an open registry on 127.0.0.1 quickly', async () => {
    const t0 = Date.now();
    const reg = await start({});
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(reg.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(reg.url).toBe(`http://${reg.host}`);
    const res = await httpRequest(`${reg.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('refuses without credentials under basic auth and accepts the generated ones', async () => {
    const reg = await start({ auth: 'basic' });
    const anon = await httpRequest(`${reg.url}/v2/`);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = await httpRequest(`${reg.url}/v2/`, {
      headers: { authorization: basicAuth(reg.username!, 'nope') },
    });
    expect(wrong.status).toBe(401);
    const ok = await httpRequest(`${reg.url}/v2/`, {
      headers: { authorization: basicAuth(reg.username!, reg.password!) },
    });
    expect(ok.status).toBe(200);
  });

  it('runs the token flow: challenge, token with credentials, access; anonymous tokens get nothing', async () => {
    const reg = await start({ auth: 'token' });
    const challenge = await httpRequest(`${reg.url}/v2/busybox/tags/list`);
    expect(challenge.status).toBe(401);
    const header = String(challenge.headers['www-authenticate']);
    expect(header).toContain(`realm="${reg.token!.realm}"`);
    expect(header).toContain('scope="repository:busybox:pull"');

    const tokenUrl = `${reg.token!.realm}?service=${reg.token!.service}&scope=repository:busybox:pull,push`;
    const tok = await httpRequest(tokenUrl, {
      headers: { authorization: basicAuth(reg.username!, reg.password!) },
    });
    expect(tok.status).toBe(200);
    const body = tok.json();
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(300);
    const [h, c] = body.token
      .split('.')
      .slice(0, 2)
      .map((p: string) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(h).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(h.x5c).toHaveLength(1);
    expect(h.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(c).toMatchObject({ aud: 'berth-test-registry', sub: reg.username });
    expect(c.access).toEqual([{ type: 'repository', name: 'busybox', actions: ['pull', 'push'] }]);

    // The registry accepts the token: an unknown repository is a 404, not a 401.
    const authed = await httpRequest(`${reg.url}/v2/busybox/tags/list`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(authed.status).toBe(404);

    const bad = await httpRequest(tokenUrl, {
      headers: { authorization: basicAuth(reg.username!, 'wrong') },
    });
    expect(bad.status).toBe(401);

    const anonTok = (await httpRequest(tokenUrl)).json().token;
    const anon = await httpRequest(`${reg.url}/v2/busybox/tags/list`, {
      headers: { authorization: `Bearer ${anonTok}` },
    });
    expect(anon.status).toBe(401);
    expect(reg.token!.requests.map((r) => r.granted)).toEqual([true, false, false]);
  });

  it('serves TLS with a CA the client can trust', async () => {
    const reg = await start({ tls: true });
    expect(reg.url).toBe(`https://${reg.host}`);
    const ca = readFileSync(reg.caCertPath!, 'utf8');
    expect((await httpRequest(`${reg.url}/v2/`, { ca })).status).toBe(200);
    await expect(httpRequest(`${reg.url}/v2/`)).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('stop() ends the process and frees the port', async () => {
    const reg = await startRegistry({});
    await reg.stop();
    await expect(httpRequest(`${reg.url}/v2/`, { timeoutMs: 1000 })).rejects.toThrow();
  });
});
