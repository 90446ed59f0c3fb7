/**
 * A minimal HTTP(S) client for the test helpers (node:http/https so a test CA can be passed).
 * Independent of Berth's own registry client on purpose.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** PEM CA certificate(s) for https. */
  ca?: string | Buffer;
  timeoutMs?: number;
  /** Connect to a UNIX socket instead of the URL's host. */
  socketPath?: string;
  /** A keep-alive agent to reuse connections; default: a fresh connection per request. */
  agent?: http.Agent;
}

export function httpRequest(url: string | URL, opts: HttpOptions = {}): Promise<HttpResponse> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca: opts.ca,
        socketPath: opts.socketPath,
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: () => body.toString('utf8'),
            json: () => JSON.parse(body.toString('utf8')),
          });
        });
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () =>
        req.destroy(new Error(`timeout after ${opts.timeoutMs}ms: ${u.href}`)),
      );
    }
    req.end(opts.body);
  });
}

export function basicAuth(username: string, password: string): string {
  return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
}
