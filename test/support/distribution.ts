/**
 * A small distribution-API client for pushing and reading fixtures: Basic and Bearer-token auth,
 * monolithic blob uploads (POST then PUT ?digest=), manifest PUT/GET. Deliberately separate from
 * Berth's registry client so tests don't check Berth with Berth.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { basicAuth, httpRequest, type HttpResponse } from './http.js';
import type { TestRegistry } from './registry.js';
import { sha256 } from './layers.js';

export class DistributionClient {
  private readonly ca?: string;
  private readonly tokens = new Map<string, string>();
  private readonly agent: http.Agent;

  constructor(private readonly reg: Pick<TestRegistry, 'url' | 'username' | 'password' | 'caCertPath'>) {
    this.ca = reg.caCertPath ? readFileSync(reg.caCertPath, 'utf8') : undefined;
    // Reuse connections: a TLS handshake per request would dominate fixture pushes.
    this.agent = reg.url.startsWith('https:')
      ? new https.Agent({ keepAlive: true, ca: this.ca })
      : new http.Agent({ keepAlive: true });
  }

  /** One request to the registry, answering a Basic or Bearer challenge once if needed. */
  async request(
    method: string,
    pathOrUrl: string,
    opts: { repo?: string; headers?: Record<string, string | number>; body?: Buffer | string } = {},
  ): Promise<HttpResponse> {
    const url = new URL(pathOrUrl, this.reg.url);
    const scope = opts.repo ? `repository:${opts.repo}:pull,push` : '';
    const send = (authorization?: string) =>
      httpRequest(url, {
        method,
        ca: this.ca,
        agent: url.origin === new URL(this.reg.url).origin ? this.agent : undefined,
        body: opts.body,
        headers: { ...(opts.headers ?? {}), ...(authorization ? { authorization } : {}) },
      });
    const cached = this.tokens.get(scope);
    const res = await send(cached);
    if (res.status !== 401) return res;
    const challenge = String(res.headers['www-authenticate'] ?? '');
    if (/^basic/i.test(challenge)) {
      if (!this.reg.username) return res;
      const auth = basicAuth(this.reg.username, this.reg.password ?? '');
      this.tokens.set(scope, auth);
      return send(auth);
    }
    if (/^bearer/i.test(challenge)) {
      const params = parseChallenge(challenge);
      const tokenUrl = new URL(params.realm);
      if (params.service) tokenUrl.searchParams.set('service', params.service);
      tokenUrl.searchParams.append('scope', params.scope ?? scope);
      const tokenRes = await httpRequest(tokenUrl, {
        ca: this.ca,
        headers: this.reg.username
          ? { authorization: basicAuth(this.reg.username, this.reg.password ?? '') }
          : {},
      });
      if (tokenRes.status !== 200) return res;
      const body = tokenRes.json();
      const auth = `Bearer ${body.token ?? body.access_token}`;
      this.tokens.set(scope, auth);
      return send(auth);
    }
    return res;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, { repo });
    return res.status === 200;
  }

  /** Uploads a blob unless the repository already has it. */
  async pushBlob(repo: string, blob: Buffer, digest = sha256(blob)): Promise<string> {
    if (await this.blobExists(repo, digest)) return digest;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, {
      repo,
      headers: { 'content-length': 0 },
    });
    if (start.status !== 202)
      throw new Error(`blob upload start for ${repo}: ${start.status} ${start.text()}`);
    const location = new URL(String(start.headers.location), this.reg.url);
    location.searchParams.set('digest', digest);
    const put = await this.request('PUT', location.href, {
      repo,
      body: blob,
      headers: { 'content-type': 'application/octet-stream', 'content-length': blob.length },
    });
    if (put.status !== 201)
      throw new Error(`blob upload of ${digest} to ${repo}: ${put.status} ${put.text()}`);
    return digest;
  }

  /** PUTs a manifest under a tag or digest and returns its digest. */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${reference}`, {
      repo,
      body: bytes,
      headers: { 'content-type': mediaType, 'content-length': bytes.length },
    });
    if (res.status !== 201) throw new Error(`manifest PUT ${repo}:${reference}: ${res.status} ${res.text()}`);
    return sha256(bytes);
  }

  async getManifest(repo: string, reference: string, accept?: string[]): Promise<HttpResponse> {
    return this.request('GET', `/v2/${repo}/manifests/${reference}`, {
      repo,
      headers: {
        accept: (
          accept ?? [
            'application/vnd.oci.image.index.v1+json',
            'application/vnd.oci.image.manifest.v1+json',
            'application/vnd.docker.distribution.manifest.list.v2+json',
            'application/vnd.docker.distribution.manifest.v2+json',
          ]
        ).join(', '),
      },
    });
  }

  async getBlob(repo: string, digest: string): Promise<HttpResponse> {
    // The filesystem driver serves blobs directly (no redirect), so one request is enough.
    return this.request('GET', `/v2/${repo}/blobs/${digest}`, { repo });
  }

  async deleteManifest(repo: string, digest: string): Promise<HttpResponse> {
    return this.request('DELETE', `/v2/${repo}/manifests/${digest}`, { repo });
  }
}

/** Parses `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.replace(/^\w+\s+/, '').matchAll(/(\w+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}
