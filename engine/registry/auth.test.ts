import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../errors.js';
import { Authorizer, repositoryScope } from './auth.js';
import type { Challenge } from './challenge.js';
import type { Endpoint } from './endpoints.js';
import { Transport } from './transport.js';

// A token endpoint on loopback that records what it is asked; it answers like Docker Hub's
// (`token` + `expires_in`), like an OAuth2 server (`access_token` only), or refuses.
interface Seen {
  method: string;
  url: URL;
  authorization?: string;
  form?: URLSearchParams;
}
let server: http.Server;
let realm: string;
const seen: Seen[] = [];
let mode: 'token' | 'access_token' | 'deny' = 'token';
let counter = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s: Seen = { method: req.method ?? '', url, authorization: req.headers.authorization };
      if (req.method === 'POST') s.form = new URLSearchParams(Buffer.concat(chunks).toString());
      seen.push(s);
      counter++;
      if (mode === 'deny') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (mode === 'access_token')
        res.end(JSON.stringify({ access_token: `at-${counter}`, refresh_token: 'rt-new' }));
      else res.end(JSON.stringify({ token: `t-${counter}`, expires_in: 300 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen.length = 0;
  mode = 'token';
});

const ep: Endpoint = { base: 'http://127.0.0.1:1', host: '127.0.0.1:1', insecure: true, mirror: false };
const tls = { insecure: true };
const bearer = (): Challenge => ({ scheme: 'bearer', params: { realm, service: 'reg.example' } });

describe('Authorizer', () => {
  it('answers Basic challenges with the credentials, and asks for them when missing', async () => {
    const a = new Authorizer(new Transport('test'));
    const basic: Challenge = { scheme: 'basic', params: { realm: 'r' } };
    expect(await a.authorization(ep, basic, [], { username: 'u', password: 'p' }, tls)).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
    await expect(a.authorization(ep, basic, [], undefined, tls)).rejects.toThrow('no basic auth credentials');
    expect(await a.authorization(ep, undefined, [], undefined, tls)).toBeUndefined();
  });

  it('GETs a token with service, scopes, account and Basic credentials, then caches it', async () => {
    const a = new Authorizer(new Transport('test'));
    const scopes = [repositoryScope('foo/bar', ['pull', 'push']), repositoryScope('other', ['pull'])];
    const creds = { username: 'u', password: 'p' };
    const h1 = await a.authorization(ep, bearer(), scopes, creds, tls);
    const h2 = await a.authorization(ep, bearer(), [...scopes].reverse(), creds, tls);
    expect(h1).toMatch(/^Bearer t-\d+$/);
    expect(h2).toBe(h1);
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('GET');
    expect(seen[0].url.searchParams.get('service')).toBe('reg.example');
    expect(seen[0].url.searchParams.getAll('scope')).toEqual(scopes);
    expect(seen[0].url.searchParams.get('account')).toBe('u');
    expect(seen[0].authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    // other credentials or scopes → another token; anonymous has no Authorization
    await a.authorization(ep, bearer(), scopes, undefined, tls);
    expect(seen[1].authorization).toBeUndefined();
    await a.authorization(ep, bearer(), [repositoryScope('x', ['pull'])], creds, tls);
    expect(seen).toHaveLength(3);
  });

  it('shares one token request between concurrent callers and refetches after invalidate', async () => {
    const a = new Authorizer(new Transport('test'));
    const scopes = [repositoryScope('c', ['pull'])];
    const all = await Promise.all([1, 2, 3].map(() => a.authorization(ep, bearer(), scopes, undefined, tls)));
    expect(new Set(all).size).toBe(1);
    expect(seen).toHaveLength(1);
    a.invalidate(ep, bearer(), scopes, undefined);
    expect(await a.authorization(ep, bearer(), scopes, undefined, tls)).not.toBe(all[0]);
  });

  it('accepts access_token and keeps a refresh token (login)', async () => {
    mode = 'access_token';
    const a = new Authorizer(new Transport('test'));
    const t = await a.fetchToken({
      challenge: bearer(),
      scopes: [],
      creds: { username: 'u', password: 'p' },
      tls,
      offline: true,
    });
    expect(t.token).toMatch(/^at-/);
    expect(t.refreshToken).toBe('rt-new');
    expect(seen[0].url.searchParams.get('offline_token')).toBe('true');
    expect(seen[0].url.searchParams.get('client_id')).toBe('berth');
  });

  it('uses an identity token as an OAuth2 refresh grant', async () => {
    const a = new Authorizer(new Transport('test'));
    const h = await a.authorization(
      ep,
      bearer(),
      [repositoryScope('r', ['pull'])],
      { identityToken: 'idt' },
      tls,
    );
    expect(h).toMatch(/^Bearer /);
    expect(seen[0].method).toBe('POST');
    expect(Object.fromEntries(seen[0].form!)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'idt',
      service: 'reg.example',
      scope: 'repository:r:pull',
    });
  });

  it('sends a registry token as is', async () => {
    const a = new Authorizer(new Transport('test'));
    expect(await a.authorization(ep, bearer(), [], { registryToken: 'abc' }, tls)).toBe('Bearer abc');
    expect(seen).toHaveLength(0);
  });

  it('reports a refusal with the token server’s message', async () => {
    mode = 'deny';
    const a = new Authorizer(new Transport('test'));
    const err = await a
      .authorization(ep, bearer(), [], { username: 'u', password: 'bad' }, tls)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as Error).message).toBe(`Get "${realm}": unauthorized: incorrect username or password`);
  });
});
