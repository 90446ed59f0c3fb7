/**
 * A small Docker token-auth server (https://distribution.github.io/distribution/spec/auth/token/)
 * for the test registry: GET /token?service=…&scope=… with Basic credentials (or the OAuth2 POST
 * form) returns an RS256 JWT carrying the granted `access` list. The JWT header carries the signing
 * certificate in `x5c` (the registry checks it against its `rootcertbundle`) and the libtrust `kid`.
 * Anonymous requests get a token with no access, so the registry answers 401/403.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomUUID,
  sign,
  X509Certificate,
} from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** Every token request seen, for tests that count round trips. */
  requests: Array<{ method: string; scopes: string[]; user?: string; granted: boolean }>;
  stop(): Promise<void>;
}

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** libtrust key ID: base32(sha256(SPKI DER)[:30]) in 12 colon-separated groups of 4. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const sum = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of sum) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

/** Parses `repository:name:pull,push` (the name may itself contain ':'). */
export function parseScope(scope: string): AccessEntry | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

export function signJwt(claims: Record<string, unknown>, keyPem: string, certPem: string): string {
  const cert = new X509Certificate(certPem);
  const header = {
    typ: 'JWT',
    alg: 'RS256',
    kid: libtrustKeyId(cert.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    x5c: [cert.raw.toString('base64')],
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), createPrivateKey(keyPem));
  return `${input}.${b64url(sig)}`;
}

export async function startTokenServer(opts: {
  keyPem: string;
  certPem: string;
  service: string;
  issuer: string;
  username: string;
  password: string;
}): Promise<TokenServer> {
  const requests: TokenServer['requests'] = [];

  const issue = (res: http.ServerResponse, scopes: string[], user: string | undefined, service: string) => {
    const now = Math.floor(Date.now() / 1000);
    const access = user ? scopes.map(parseScope).filter((a): a is AccessEntry => a !== undefined) : [];
    const token = signJwt(
      {
        iss: opts.issuer,
        sub: user ?? '',
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      },
      opts.keyPem,
      opts.certPem,
    );
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: 300,
        issued_at: new Date(now * 1000).toISOString(),
      }),
    );
  };

  const deny = (res: http.ServerResponse) => {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] }));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') {
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
      const service = url.searchParams.get('service') ?? opts.service;
      const auth = req.headers.authorization;
      let user: string | undefined;
      if (auth?.startsWith('Basic ')) {
        const [u, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
        if (u !== opts.username || rest.join(':') !== opts.password) {
          requests.push({ method: 'GET', scopes, user: u, granted: false });
          deny(res);
          return;
        }
        user = u;
      }
      requests.push({ method: 'GET', scopes, user, granted: user !== undefined });
      issue(res, scopes, user, service);
      return;
    }
    if (req.method === 'POST') {
      // OAuth2 password grant, as dockerd uses when it has credentials.
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        const user = form.get('username') ?? undefined;
        const ok =
          form.get('grant_type') === 'password' &&
          user === opts.username &&
          form.get('password') === opts.password;
        requests.push({ method: 'POST', scopes, user, granted: ok });
        if (!ok) {
          deny(res);
          return;
        }
        issue(res, scopes, user, form.get('service') ?? opts.service);
      });
      return;
    }
    res.writeHead(405).end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: opts.service,
    issuer: opts.issuer,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
