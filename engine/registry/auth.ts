/**
 * Registry authorization: answers a WWW-Authenticate challenge with Basic credentials or a Bearer
 * token from the token server (Docker's token auth spec), caching tokens per realm/service/scope
 * and credentials until they expire.
 */
import { UnauthorizedError } from '../errors.js';
import type { Challenge } from './challenge.js';
import type { Credentials } from './credentials.js';
import type { Endpoint } from './endpoints.js';
import { type TlsSettings, type Transport, drain, readBody } from './transport.js';

export interface TokenResponse {
  token: string;
  expiresAt: number;
  refreshToken?: string;
}

/** `repository:<path>:pull` / `…:pull,push`. */
export function repositoryScope(path: string, actions: ('pull' | 'push')[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

function credKey(c: Credentials | undefined): string {
  if (!c) return 'anon';
  return `${c.username ?? ''}\0${c.password ?? ''}\0${c.identityToken ?? ''}\0${c.registryToken ?? ''}`;
}

export function basicAuthorization(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

/** Extracts a human message from a token server's error body (`details`, `errors[0].message`). */
function tokenErrorText(body: Buffer): string | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as {
      details?: string;
      message?: string;
      errors?: { message?: string }[];
    };
    return v.details ?? v.errors?.[0]?.message ?? v.message;
  } catch {
    const t = body.toString('utf8').trim();
    return t && t.length < 200 ? t : undefined;
  }
}

export interface TokenRequest {
  challenge: Challenge;
  scopes: string[];
  creds?: Credentials;
  tls: TlsSettings;
  signal?: AbortSignal;
  /** Ask for a refresh token (login). */
  offline?: boolean;
}

export class Authorizer {
  private readonly tokens = new Map<string, TokenResponse>();
  private readonly inflight = new Map<string, Promise<TokenResponse>>();

  constructor(
    private readonly transport: Transport,
    private readonly clientId = 'berth',
  ) {}

  /**
   * The Authorization header value for a request to `ep` needing `scopes`, given the endpoint's
   * challenge. Undefined when the registry asked for nothing.
   */
  async authorization(
    ep: Endpoint,
    challenge: Challenge | undefined,
    scopes: string[],
    creds: Credentials | undefined,
    tls: TlsSettings,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      if (!creds || creds.username === undefined) throw new UnauthorizedError('no basic auth credentials');
      return basicAuthorization(creds);
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const key = this.cacheKey(ep, challenge, scopes, creds);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchToken({ challenge, scopes, creds, tls, signal }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const t = await p;
    this.tokens.set(key, t);
    return `Bearer ${t.token}`;
  }

  /** Unexpired tokens by cache key (for another client to start from: `learnTokens`). */
  validTokens(): Record<string, TokenResponse> {
    const now = Date.now();
    return Object.fromEntries([...this.tokens].filter(([, t]) => t.expiresAt > now));
  }

  learnTokens(tokens: Record<string, TokenResponse>): void {
    for (const [key, t] of Object.entries(tokens)) {
      const mine = this.tokens.get(key);
      if (!mine || mine.expiresAt < t.expiresAt) this.tokens.set(key, t);
    }
  }

  /** Forgets the token used for these scopes (after the registry refused it). */
  invalidate(ep: Endpoint, challenge: Challenge, scopes: string[], creds: Credentials | undefined): void {
    this.tokens.delete(this.cacheKey(ep, challenge, scopes, creds));
  }

  private cacheKey(ep: Endpoint, c: Challenge, scopes: string[], creds: Credentials | undefined): string {
    return [ep.base, c.params.realm, c.params.service, [...scopes].sort().join(' '), credKey(creds)].join(
      '|',
    );
  }

  /** GETs (or, with an identity token, POSTs an OAuth2 refresh grant to) the challenge's realm. */
  async fetchToken(req: TokenRequest): Promise<TokenResponse> {
    const { challenge, scopes, creds } = req;
    const realm = challenge.params.realm;
    if (!realm) throw new UnauthorizedError('bearer challenge without realm');
    const realmUrl = new URL(realm);
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') {
      throw new UnauthorizedError(`unsupported token realm ${realm}`);
    }
    if (creds?.identityToken) {
      try {
        return await this.refreshGrant(realmUrl, req);
      } catch (err) {
        // Best effort: some token servers only implement the GET flow.
        if (!(err instanceof UnauthorizedError) || !creds.username) throw err;
      }
    }
    const url = new URL(realmUrl);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    if (req.offline) {
      url.searchParams.set('offline_token', 'true');
      url.searchParams.set('client_id', this.clientId);
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (creds?.username !== undefined && creds.password !== undefined) {
      url.searchParams.set('account', creds.username);
      headers.Authorization = basicAuthorization(creds);
    }
    const res = await this.transport.request({
      method: 'GET',
      url: url.href,
      headers,
      tls: req.tls,
      signal: req.signal,
    });
    return this.tokenFromResponse(res, url.href);
  }

  private async refreshGrant(realm: URL, req: TokenRequest): Promise<TokenResponse> {
    const form = new URLSearchParams();
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', req.creds!.identityToken!);
    form.set('client_id', this.clientId);
    if (req.challenge.params.service) form.set('service', req.challenge.params.service);
    if (req.scopes.length) form.set('scope', req.scopes.join(' '));
    if (req.offline) form.set('access_type', 'offline');
    const res = await this.transport.request({
      method: 'POST',
      url: realm.href,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: Buffer.from(form.toString()),
      tls: req.tls,
      signal: req.signal,
    });
    return this.tokenFromResponse(res, realm.href);
  }

  private async tokenFromResponse(
    res: import('node:http').IncomingMessage,
    url: string,
  ): Promise<TokenResponse> {
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      let body: Buffer = Buffer.alloc(0);
      try {
        body = await readBody(res, 64 * 1024);
      } catch {
        drain(res);
      }
      const text = tokenErrorText(body);
      if (status === 401 || status === 403) {
        throw new UnauthorizedError(
          `Get "${stripQuery(url)}": unauthorized: ${text ?? 'authentication required'}`,
        );
      }
      throw new UnauthorizedError(
        `Get "${stripQuery(url)}": token server answered ${status} ${res.statusMessage ?? ''}${text ? `: ${text}` : ''}`,
      );
    }
    const body = await readBody(res, 1024 * 1024);
    let v: {
      token?: string;
      access_token?: string;
      expires_in?: number;
      issued_at?: string;
      refresh_token?: string;
    };
    try {
      v = JSON.parse(body.toString('utf8')) as typeof v;
    } catch {
      throw new UnauthorizedError(`token server ${stripQuery(url)} returned invalid JSON`);
    }
    const token = v.token || v.access_token;
    if (!token) throw new UnauthorizedError(`token server ${stripQuery(url)} returned no token`);
    // The spec's minimum lifetime is 60 s; renew 10 s early so a token never expires mid-request.
    const lifetime = Math.max(typeof v.expires_in === 'number' ? v.expires_in : 60, 60);
    const issued = v.issued_at ? Date.parse(v.issued_at) : NaN;
    const start = Number.isFinite(issued) && Math.abs(issued - Date.now()) < 3600_000 ? issued : Date.now();
    return { token, expiresAt: start + (lifetime - 10) * 1000, refreshToken: v.refresh_token };
  }
}

function stripQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
