/**
 * RegistryClient: the OCI distribution spec v2 client the image service uses to pull and push.
 * It picks endpoints (Hub mirrors, HTTPS/HTTP), answers auth challenges, resolves tags through
 * indexes to one platform's manifest, streams verified resumable blobs, and uploads.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { SystemError, UnauthorizedError } from '../errors.js';
import type { Reference } from '../reference/index.js';
import { Authorizer, basicAuthorization, repositoryScope, type TokenResponse } from './auth.js';
import { BlobVerificationError, VerifiedBlobStream, hashAlgorithm } from './blob-stream.js';
import { type Challenge, parseWwwAuthenticate } from './challenge.js';
import {
  type AuthConfig,
  type Credentials,
  DockerConfigCredentials,
  credentialsFromAuthConfig,
  normalizeServerAddress,
} from './credentials.js';
import { type Endpoint, type RegistryConfig, DOCKER_HUB_DOMAIN, endpointsFor } from './endpoints.js';
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Platform,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  parseManifest,
  type ParsedManifest,
} from './manifest.js';
import { choosePlatformManifest, hostPlatform, parsePlatform } from './platform.js';
import { errorFromResponse, toEngineError, translatePullError } from './registry-errors.js';
import { type TlsSettings, Transport, TransportError, drain, loadCertsDir, readBody } from './transport.js';

export interface ResolvedImage {
  ref: Reference;
  /** Base URL that answered (a mirror or the registry). */
  endpoint: string;
  /** What the tag points to (the index digest for a multi-platform image): the RepoDigest users see. */
  repoDigest: string;
  /** The chosen image manifest's digest. */
  digest: string;
  mediaType: string;
  raw: Buffer;
  manifest: ImageManifest;
  config: Descriptor;
  layers: Descriptor[];
  /** Present when the tag pointed at an index / manifest list. */
  index?: { digest: string; mediaType: string; raw: Buffer; index: ImageIndex };
  /** The index entry's platform, when chosen from an index. */
  platform?: Platform;
}

export interface RequestOpts {
  auth?: AuthConfig;
  signal?: AbortSignal;
}

export interface ResolveOpts extends RequestOpts {
  /** `os/arch[/variant]`; default this host's platform. */
  platform?: string;
}

export interface BlobOpts extends RequestOpts {
  onProgress?: (bytes: number) => void;
  /** Called when a dropped or stalled download is resumed. */
  onRetry?: (offset: number, reason: Error) => void;
}

/**
 * What a client learned about registries, as plain data: hosts that speak only HTTP, endpoints' auth
 * challenges, unexpired tokens and stored credentials. The pull helper process starts its own client
 * from the engine's, so it neither probes HTTPS again (an HTTPS probe of a plain-HTTP port can hang
 * until the headers timeout) nor asks the token server or a credential helper a second time.
 */
export interface RegistryHints {
  httpOnly: string[];
  /** Endpoint base → its `GET /v2/` challenge (null: no auth asked). */
  challenges: Record<string, Challenge | null>;
  tokens: Record<string, TokenResponse>;
  /** Registry host → credentials from the docker config (null: none). */
  credentials: Record<string, Credentials | null>;
}

interface Session {
  ep: Endpoint;
  tls: TlsSettings;
  creds?: Credentials;
  scopes: string[];
}

interface SendOpts {
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  signal?: AbortSignal;
  followRedirects?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class RegistryClient {
  private readonly transport: Transport;
  private readonly authorizer: Authorizer;
  private readonly configCreds: DockerConfigCredentials;
  /** Per endpoint base: the challenge from `GET /v2/` (undefined = no auth asked). */
  private readonly pings = new Map<string, Promise<Challenge | undefined>>();
  private readonly challenges = new Map<string, Challenge | undefined>();
  /** Hosts whose HTTPS attempt failed at the transport level: go straight to HTTP. */
  private readonly httpOnly = new Set<string>();
  /** Endpoints that answered `GET /v2/` at least once. */
  private readonly reachable = new Set<string>();
  private readonly tlsCache = new Map<string, TlsSettings>();
  private readonly credCache = new Map<string, { value: Promise<Credentials | undefined>; until: number }>();
  /** Settled entries of credCache, for `hints()`. */
  private readonly credValues = new Map<string, { value: Credentials | undefined; until: number }>();

  constructor(readonly config: RegistryConfig) {
    this.transport = new Transport(config.userAgent ?? 'berth/0.1 (docker-compatible)');
    this.authorizer = new Authorizer(this.transport);
    this.configCreds = new DockerConfigCredentials(config.dockerConfigDir);
  }

  /** What this client has learned so far (see RegistryHints). */
  hints(): RegistryHints {
    const now = Date.now();
    const challenges: Record<string, Challenge | null> = {};
    for (const base of this.reachable) challenges[base] = this.challenges.get(base) ?? null;
    const credentials: Record<string, Credentials | null> = {};
    for (const [host, c] of this.credValues) if (c.until > now) credentials[host] = c.value ?? null;
    return { httpOnly: [...this.httpOnly], challenges, tokens: this.authorizer.validTokens(), credentials };
  }

  /** Starts from another client's `hints()`; what this client learned itself wins. */
  learn(h: RegistryHints): void {
    for (const host of h.httpOnly) this.httpOnly.add(host);
    for (const [base, c] of Object.entries(h.challenges)) {
      if (this.pings.has(base)) continue;
      this.challenges.set(base, c ?? undefined);
      this.reachable.add(base);
      this.pings.set(base, Promise.resolve(c ?? undefined));
    }
    this.authorizer.learnTokens(h.tokens);
    const until = Date.now() + 60_000;
    for (const [host, c] of Object.entries(h.credentials)) {
      const hit = this.credCache.get(host);
      if (hit && hit.until > Date.now()) continue;
      this.credCache.set(host, { value: Promise.resolve(c ?? undefined), until });
      this.credValues.set(host, { value: c ?? undefined, until });
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.transport.close();
  }

  // ---- pull ----

  async resolve(ref: Reference, opts: ResolveOpts = {}): Promise<ResolvedImage> {
    const want = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
    const tagOrDigest = ref.digest ?? ref.tag ?? 'latest';
    try {
      return await this.withEndpoints(ref.domain, true, async (ep) => {
        const s = await this.session(ep, [repositoryScope(ref.path, ['pull'])], opts.auth);
        const top = await this.getManifest(s, ref.path, tagOrDigest, ref.digest, opts.signal);
        if (top.parsed.kind === 'manifest') {
          const m = top.parsed.manifest;
          return {
            ref,
            endpoint: ep.base,
            repoDigest: top.digest,
            digest: top.digest,
            mediaType: top.parsed.mediaType,
            raw: top.raw,
            manifest: m,
            config: m.config,
            layers: m.layers,
          };
        }
        const entry = choosePlatformManifest(top.parsed.index.manifests, want);
        const child = await this.getManifest(s, ref.path, entry.digest, entry.digest, opts.signal);
        if (child.parsed.kind !== 'manifest') {
          throw new SystemError(
            `manifest ${entry.digest} in the index of ${ref.path} is not an image manifest`,
          );
        }
        const m = child.parsed.manifest;
        return {
          ref,
          endpoint: ep.base,
          repoDigest: top.digest,
          digest: child.digest,
          mediaType: child.parsed.mediaType,
          raw: child.raw,
          manifest: m,
          config: m.config,
          layers: m.layers,
          index: {
            digest: top.digest,
            mediaType: top.parsed.mediaType,
            raw: top.raw,
            index: top.parsed.index,
          },
          platform: entry.platform,
        };
      });
    } catch (err) {
      throw translatePullError(err, ref);
    }
  }

  /** Fetches one manifest by tag or digest (no platform choice); verifies it when fetched by digest. */
  async getManifestRaw(
    ref: Reference,
    tagOrDigest: string,
    opts: RequestOpts = {},
  ): Promise<{ digest: string; raw: Buffer; parsed: ParsedManifest }> {
    try {
      return await this.withEndpoints(ref.domain, true, async (ep) => {
        const s = await this.session(ep, [repositoryScope(ref.path, ['pull'])], opts.auth);
        const digest = tagOrDigest.includes(':') ? tagOrDigest : undefined;
        return this.getManifest(s, ref.path, tagOrDigest, digest, opts.signal);
      });
    } catch (err) {
      throw translatePullError(err, ref);
    }
  }

  private async getManifest(
    s: Session,
    path: string,
    tagOrDigest: string,
    expectedDigest: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ digest: string; raw: Buffer; parsed: ParsedManifest }> {
    const url = `${s.ep.base}/v2/${path}/manifests/${tagOrDigest}`;
    const res = await this.send(s, 'GET', url, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.statusCode !== 200) throw await errorFromResponse(res, url);
    const raw = await readBody(res, MAX_MANIFEST_BYTES);
    const algo = expectedDigest ? hashAlgorithm(expectedDigest) : 'sha256';
    const digest = `${algo}:${createHash(algo).update(raw).digest('hex')}`;
    if (expectedDigest && digest !== expectedDigest) {
      throw new SystemError(`manifest verification failed for digest ${expectedDigest}`);
    }
    const parsed = parseManifest(raw, res.headers['content-type']);
    return { digest, raw, parsed };
  }

  /**
   * Streams a blob. The Readable yields exactly the blob's bytes and errors (naming the digest)
   * when they do not match; dropped or stalled connections are resumed with Range requests.
   */
  async fetchBlob(
    ref: Reference,
    desc: { digest: string; size: number },
    opts: BlobOpts = {},
  ): Promise<Readable> {
    hashAlgorithm(desc.digest);
    let first: { s: Session; res: IncomingMessage };
    try {
      first = await this.withEndpoints(ref.domain, true, async (ep) => {
        const s = await this.session(ep, [repositoryScope(ref.path, ['pull'])], opts.auth);
        return { s, res: await this.openBlob(s, ref.path, desc.digest, 0, opts.signal) };
      });
    } catch (err) {
      throw toEngineError(err);
    }
    const { s } = first;
    return new VerifiedBlobStream({
      digest: desc.digest,
      size: desc.size,
      first: first.res,
      reconnect: (offset, signal) =>
        this.openBlob(
          s,
          ref.path,
          desc.digest,
          offset,
          opts.signal ? AbortSignal.any([signal, opts.signal]) : signal,
        ),
      stallTimeoutMs: this.config.stallTimeoutMs ?? 30_000,
      retries: this.config.blobRetries ?? 5,
      signal: opts.signal,
      onProgress: opts.onProgress,
      onRetry: opts.onRetry,
    });
  }

  private async openBlob(
    s: Session,
    path: string,
    digest: string,
    offset: number,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = `${s.ep.base}/v2/${path}/blobs/${digest}`;
    const headers: Record<string, string> = {};
    if (offset > 0) headers.Range = `bytes=${offset}-`;
    const res = await this.send(s, 'GET', url, { headers, signal, followRedirects: true });
    if (res.statusCode === 200 || (offset > 0 && res.statusCode === 206)) return res;
    if (res.statusCode === 416) {
      drain(res);
      throw new BlobVerificationError(
        `failed to verify blob ${digest}: size mismatch: the registry has no byte ${offset}`,
      );
    }
    throw toEngineError(await errorFromResponse(res, url));
  }

  // ---- push ----

  async blobExists(ref: Reference, digest: string, opts: RequestOpts = {}): Promise<boolean> {
    const s = await this.pushSession(ref, [], opts.auth);
    const url = `${s.ep.base}/v2/${ref.path}/blobs/${digest}`;
    const res = await this.send(s, 'HEAD', url, { signal: opts.signal });
    if (res.statusCode === 404) {
      drain(res);
      return false;
    }
    await expectStatus(res, [200], url);
    return true;
  }

  /** Cross-repository mount on the same registry. False when the registry did not mount. */
  async mountBlob(
    ref: Reference,
    digest: string,
    fromPath: string,
    opts: RequestOpts = {},
  ): Promise<boolean> {
    const s = await this.pushSession(ref, [repositoryScope(fromPath, ['pull'])], opts.auth);
    const q = new URLSearchParams({ mount: digest, from: fromPath });
    const url = `${s.ep.base}/v2/${ref.path}/blobs/uploads/?${q.toString()}`;
    const res = await this.send(s, 'POST', url, { body: Buffer.alloc(0), signal: opts.signal });
    await expectStatus(res, [201, 202], url);
    if (res.statusCode === 201) return true;
    // 202: the registry opened an upload session instead; cancel it (best effort).
    const loc = res.headers.location;
    if (loc) {
      this.send(s, 'DELETE', new URL(loc, url).href, {})
        .then(drain)
        .catch(() => {});
    }
    return false;
  }

  /**
   * Uploads a blob: POST to open a session, PATCH the bytes as one chunk, PUT with the digest.
   * `open` is called again if the upload must be retried after an auth challenge.
   */
  async uploadBlob(
    ref: Reference,
    desc: { digest: string; size: number },
    open: () => Readable,
    opts: BlobOpts = {},
  ): Promise<void> {
    const s = await this.pushSession(ref, [], opts.auth);
    const startUrl = `${s.ep.base}/v2/${ref.path}/blobs/uploads/`;
    const start = await this.send(s, 'POST', startUrl, { body: Buffer.alloc(0), signal: opts.signal });
    await expectStatus(start, [202], startUrl);
    let location = this.location(start, startUrl);
    const counted = () => {
      let n = 0;
      const src = open();
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          n += chunk.length;
          opts.onProgress?.(n);
          cb(null, chunk);
        },
      });
      src.on('error', (e) => counter.destroy(e));
      return src.pipe(counter);
    };
    if (desc.size > 0) {
      const patch = await this.send(s, 'PATCH', location, {
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(desc.size),
          'Content-Range': `0-${desc.size - 1}`,
        },
        body: counted,
        signal: opts.signal,
      });
      await expectStatus(patch, [202, 204], location);
      location = this.location(patch, location);
    }
    const put = new URL(location);
    put.searchParams.set('digest', desc.digest);
    const done = await this.send(s, 'PUT', put.href, {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.alloc(0),
      signal: opts.signal,
    });
    await expectStatus(done, [201, 204], put.href);
  }

  /** PUTs a manifest under a tag or digest; returns its sha256 digest. */
  async putManifest(
    ref: Reference,
    tagOrDigest: string,
    mediaType: string,
    body: Buffer,
    opts: RequestOpts = {},
  ): Promise<string> {
    if (body.length > MAX_MANIFEST_BYTES) throw new SystemError('manifest too large');
    const s = await this.pushSession(ref, [], opts.auth);
    const url = `${s.ep.base}/v2/${ref.path}/manifests/${tagOrDigest}`;
    const res = await this.send(s, 'PUT', url, {
      headers: { 'Content-Type': mediaType },
      body,
      signal: opts.signal,
    });
    await expectStatus(res, [200, 201, 202], url);
    return `sha256:${createHash('sha256').update(body).digest('hex')}`;
  }

  private location(res: IncomingMessage, requestUrl: string): string {
    const loc = res.headers.location;
    if (!loc) throw new SystemError(`registry did not return an upload location for ${requestUrl}`);
    return new URL(loc, requestUrl).href;
  }

  private async pushSession(ref: Reference, extraScopes: string[], auth?: AuthConfig): Promise<Session> {
    // Docker pushes to the origin only, never to mirrors.
    const eps = endpointsFor(ref.domain, this.config, false);
    const ep = await this.pickEndpoint(eps);
    return this.session(ep, [repositoryScope(ref.path, ['pull', 'push']), ...extraScopes], auth);
  }

  // ---- login ----

  /** Verifies credentials against a registry (POST /auth). */
  async login(auth: AuthConfig, signal?: AbortSignal): Promise<{ status: string; identityToken?: string }> {
    const server = auth.serveraddress ? normalizeServerAddress(auth.serveraddress) : DOCKER_HUB_DOMAIN;
    const ep = await this.pickEndpoint(endpointsFor(server, this.config, false));
    const tls = this.tlsFor(ep);
    const creds = credentialsFromAuthConfig(auth);
    const url = `${ep.base}/v2/`;
    const challenge = await this.ping(ep, tls, signal);
    if (!challenge) return { status: 'Login Succeeded' };
    if (challenge.scheme === 'basic') {
      if (!creds?.username) throw new UnauthorizedError('no basic auth credentials');
      const res = await this.transport.request({
        method: 'GET',
        url,
        headers: { Authorization: basicAuthorization(creds) },
        tls,
        signal,
      });
      drain(res);
      if (res.statusCode === 200) return { status: 'Login Succeeded' };
      throw new UnauthorizedError(
        `login attempt to ${url} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim(),
      );
    }
    if (challenge.scheme !== 'bearer')
      throw new UnauthorizedError(`unsupported auth scheme ${challenge.scheme}`);
    const token = await this.authorizer.fetchToken({
      challenge,
      scopes: [],
      creds,
      tls,
      signal,
      offline: true,
    });
    const res = await this.transport.request({
      method: 'GET',
      url,
      headers: { Authorization: `Bearer ${token.token}` },
      tls,
      signal,
    });
    drain(res);
    if (res.statusCode !== 200) {
      throw new UnauthorizedError(
        `login attempt to ${url} failed with status: ${res.statusCode} ${res.statusMessage ?? ''}`.trim(),
      );
    }
    return token.refreshToken
      ? { status: 'Login Succeeded', identityToken: token.refreshToken }
      : { status: 'Login Succeeded' };
  }

  // ---- plumbing ----

  private tlsFor(ep: Endpoint): TlsSettings {
    let t = this.tlsCache.get(ep.base);
    if (!t) {
      t = { insecure: ep.insecure, ...loadCertsDir(this.config.certsDir, new URL(ep.base).host) };
      this.tlsCache.set(ep.base, t);
    }
    return t;
  }

  private async session(ep: Endpoint, scopes: string[], auth?: AuthConfig): Promise<Session> {
    // Credentials given with the request are for the registry itself, never sent to a mirror.
    let creds = ep.mirror ? undefined : credentialsFromAuthConfig(auth);
    creds ??= await this.storedCredentials(ep.host);
    return { ep, tls: this.tlsFor(ep), creds, scopes };
  }

  /** Credentials from the docker config, cached briefly so a pull runs a credential helper once. */
  private storedCredentials(host: string): Promise<Credentials | undefined> {
    const hit = this.credCache.get(host);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = this.configCreds.get(host);
    const until = Date.now() + 60_000;
    this.credCache.set(host, { value, until });
    value.then(
      (v) => this.credValues.set(host, { value: v, until }),
      () => this.credCache.delete(host),
    );
    return value;
  }

  /** `GET /v2/` once per endpoint: checks it speaks HTTP at all and records its auth challenge. */
  private ping(ep: Endpoint, tls: TlsSettings, signal?: AbortSignal): Promise<Challenge | undefined> {
    let p = this.pings.get(ep.base);
    if (!p) {
      p = (async () => {
        const res = await this.transport.request({
          method: 'GET',
          url: `${ep.base}/v2/`,
          tls,
          signal,
          headersTimeoutMs: 30_000,
        });
        drain(res);
        const c =
          res.statusCode === 401
            ? preferredChallenge(parseWwwAuthenticate(res.headers['www-authenticate']))
            : undefined;
        this.challenges.set(ep.base, c);
        this.reachable.add(ep.base);
        return c;
      })();
      this.pings.set(ep.base, p);
      p.catch(() => this.pings.delete(ep.base));
    }
    return p.then(() => this.challenges.get(ep.base));
  }

  /** First endpoint whose ping works (HTTPS then HTTP for insecure registries). */
  private async pickEndpoint(eps: Endpoint[]): Promise<Endpoint> {
    return this.withEndpointList(eps, async (ep) => {
      await this.ping(ep, this.tlsFor(ep));
      return ep;
    });
  }

  private withEndpoints<T>(domain: string, pull: boolean, fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    return this.withEndpointList(endpointsFor(domain, this.config, pull), fn);
  }

  /**
   * Runs `fn` against each endpoint in turn: after a mirror fails (any error, 404 included) the
   * next one is tried; an HTTPS endpoint that fails below HTTP falls back to HTTP on the same host.
   */
  private async withEndpointList<T>(all: Endpoint[], fn: (ep: Endpoint) => Promise<T>): Promise<T> {
    const eps = all.filter(
      (ep) =>
        !(
          ep.base.startsWith('https:') &&
          this.httpOnly.has(ep.host) &&
          all.some((o) => o !== ep && o.host === ep.host)
        ),
    );
    let lastErr: unknown;
    for (let i = 0; i < eps.length; i++) {
      const ep = eps[i];
      try {
        return await fn(ep);
      } catch (err) {
        lastErr = err;
        if ((err as Error).name === 'AbortError') throw err;
        const next = eps[i + 1];
        if (!next) break;
        if (ep.mirror) continue;
        if (err instanceof TransportError && next.host === ep.host && !this.reachable.has(ep.base)) {
          if (ep.base.startsWith('https:')) this.httpOnly.add(ep.host);
          continue;
        }
        break;
      }
    }
    throw lastErr;
  }

  /**
   * One request with auth: sends the cached authorization for the endpoint's challenge, and on a
   * 401 re-reads the challenge, gets a fresh token and retries once. Follows redirects when asked,
   * dropping Authorization when the redirect leaves the registry's host.
   */
  private async send(s: Session, method: string, url: string, o: SendOpts): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const challenge = await this.ping(s.ep, s.tls, o.signal);
      const authz = await this.authorizer.authorization(s.ep, challenge, s.scopes, s.creds, s.tls, o.signal);
      const headers: Record<string, string> = { ...o.headers };
      if (authz) headers.Authorization = authz;
      const body = typeof o.body === 'function' ? o.body() : o.body;
      let res = await this.transport.request({ method, url, headers, body, tls: s.tls, signal: o.signal });
      if (res.statusCode === 401 && attempt === 0) {
        const fresh = preferredChallenge(parseWwwAuthenticate(res.headers['www-authenticate']));
        if (fresh) {
          drain(res);
          if (challenge) this.authorizer.invalidate(s.ep, challenge, s.scopes, s.creds);
          this.challenges.set(s.ep.base, fresh);
          continue;
        }
      }
      let current = url;
      for (
        let hops = 0;
        o.followRedirects && REDIRECTS.has(res.statusCode ?? 0) && res.headers.location;
        hops++
      ) {
        if (hops >= 10) throw new SystemError(`too many redirects fetching ${url}`);
        drain(res);
        const next = new URL(res.headers.location, current);
        const sameHost = next.host === new URL(url).host;
        const h: Record<string, string> = { ...o.headers };
        if (sameHost && authz) h.Authorization = authz;
        res = await this.transport.request({
          method: method === 'HEAD' ? 'HEAD' : 'GET',
          url: next.href,
          headers: h,
          tls: sameHost ? s.tls : { insecure: false },
          signal: o.signal,
        });
        current = next.href;
      }
      return res;
    }
  }
}

/** Drains a successful response; turns any other status into the registry's error. */
async function expectStatus(res: IncomingMessage, ok: number[], url: string): Promise<void> {
  if (ok.includes(res.statusCode ?? 0)) {
    drain(res);
    return;
  }
  throw toEngineError(await errorFromResponse(res, url));
}

function preferredChallenge(cs: Challenge[]): Challenge | undefined {
  return cs.find((c) => c.scheme === 'bearer') ?? cs.find((c) => c.scheme === 'basic');
}
