/**
 * HTTP(S) requests to registries over keep-alive agents, one agent per (scheme, TLS settings), with
 * docker's certs.d layout for custom CAs and client certificates.
 */
import http from 'node:http';
import https from 'node:https';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { Readable } from 'node:stream';
import { SystemError } from '../errors.js';

export interface TlsSettings {
  insecure: boolean;
  ca?: string[];
  cert?: string;
  key?: string;
}

export interface RequestOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A Buffer is sent with Content-Length; a stream is piped (set Content-Length yourself when known). */
  body?: Buffer | Readable;
  tls: TlsSettings;
  signal?: AbortSignal;
  /** Fails when no response headers arrive within this time (default 60 s). */
  headersTimeoutMs?: number;
}

/** Raised for failures below HTTP (refused, reset, TLS, timeout). */
export class TransportError extends SystemError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Reads `<certsDir>/<host>/`: `*.crt` are CAs, `*.cert` + `*.key` a client pair (docker's certs.d). */
export function loadCertsDir(
  certsDir: string | undefined,
  host: string,
): Pick<TlsSettings, 'ca' | 'cert' | 'key'> {
  if (!certsDir) return {};
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return {};
  }
  const out: Pick<TlsSettings, 'ca' | 'cert' | 'key'> = {};
  const cas = names.filter((n) => n.endsWith('.crt')).map((n) => readFileSync(join(dir, n), 'utf8'));
  if (cas.length) out.ca = [...rootCertificates, ...cas];
  const cert = names.find((n) => n.endsWith('.cert'));
  if (cert) {
    const key = cert.replace(/\.cert$/, '.key');
    if (!names.includes(key)) throw new SystemError(`missing key ${key} for client certificate ${cert}`);
    out.cert = readFileSync(join(dir, cert), 'utf8');
    out.key = readFileSync(join(dir, key), 'utf8');
  }
  return out;
}

export class Transport {
  private readonly agents = new Map<string, http.Agent>();

  constructor(private readonly userAgent: string) {}

  private agent(protocol: string, tls: TlsSettings): http.Agent {
    const key =
      protocol === 'https:' ? `https|${tls.insecure}|${tls.ca?.length ?? 0}|${tls.cert ?? ''}` : 'http';
    let a = this.agents.get(key);
    if (!a) {
      const common = { keepAlive: true, maxSockets: 32, maxFreeSockets: 16, scheduling: 'lifo' as const };
      a =
        protocol === 'https:'
          ? new https.Agent({
              ...common,
              rejectUnauthorized: !tls.insecure,
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
            })
          : new http.Agent(common);
      this.agents.set(key, a);
    }
    return a;
  }

  /** Sends a request; resolves with the response once its headers arrive (body not yet read). */
  request(opts: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(opts.url);
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': this.userAgent, ...opts.headers };
    if (Buffer.isBuffer(opts.body)) headers['Content-Length'] = String(opts.body.length);
    return new Promise((resolve, reject) => {
      const req = mod.request(url, {
        method: opts.method,
        headers,
        agent: this.agent(url.protocol, opts.tls),
        signal: opts.signal,
      });
      const timer = setTimeout(() => {
        req.destroy(
          new TransportError(`${opts.method} ${opts.url}: timeout awaiting response headers`, 'ETIMEDOUT'),
        );
      }, opts.headersTimeoutMs ?? 60_000);
      req.on('response', (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (err.name === 'AbortError' || err instanceof TransportError) return reject(err);
        reject(new TransportError(`${opts.method} "${opts.url}": ${describeNetError(err)}`, err.code));
      });
      if (opts.body === undefined) req.end();
      else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
      else {
        opts.body.on('error', (e) => req.destroy(e));
        opts.body.pipe(req);
      }
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function describeNetError(err: NodeJS.ErrnoException): string {
  const what: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by peer',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'temporary failure in name resolution',
    ETIMEDOUT: 'i/o timeout',
    EPIPE: 'broken pipe',
  };
  return what[err.code ?? ''] ? `dial tcp: ${what[err.code!]}` : err.message;
}

/** Reads a whole body, failing (and destroying the response) past `limit` bytes. */
export function readBody(res: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    return Promise.reject(new SystemError(`response body too large (${declared} bytes, limit ${limit})`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        res.destroy();
        reject(new SystemError(`response body too large (more than ${limit} bytes)`));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
    res.on('aborted', () => reject(new TransportError('connection closed while reading the response')));
  });
}

/** Discards a response body so its socket can be reused. */
export function drain(res: http.IncomingMessage): void {
  res.resume();
  res.on('error', () => {});
}
