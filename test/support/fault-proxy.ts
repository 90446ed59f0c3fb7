/**
 * An HTTP reverse proxy on 127.0.0.1 that injects faults in front of a registry: drop the
 * connection after N body bytes, stall (stop sending, keep the socket open), delay, reset, or
 * replace a response outright (for hostile manifests). Rules match by method and path regex and
 * fire a set number of times (default: always). Everything else is passed through unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

interface RuleMatch {
  /** Matched against the request's path and query, e.g. /\/blobs\/sha256:/. */
  path: RegExp;
  method?: string;
  /** How many matching requests the rule applies to; default always. `once: true` means 1. */
  times?: number;
  once?: boolean;
}

export type FaultAction =
  /** Send the upstream status and headers, then `afterBytes` of the body, then destroy the socket. */
  | { action: 'drop'; afterBytes: number }
  /** Like drop, but keep the socket open and silent until the proxy stops. */
  | { action: 'stall'; afterBytes?: number }
  /** Destroy the client socket before any response. */
  | { action: 'reset' }
  /** Wait before forwarding the request. */
  | { action: 'delay'; ms: number }
  /** Answer without contacting upstream. `bodyLength` streams that many filler bytes instead of `body`. */
  | {
      action: 'replace';
      status: number;
      headers?: Record<string, string | number>;
      body?: Buffer | string;
      bodyLength?: number;
    };

export type FaultRule = RuleMatch & FaultAction;

export interface ProxyHit {
  method: string;
  path: string;
  /** Request headers as received (e.g. to check a resumed download sent `range`). */
  headers: http.IncomingHttpHeaders;
  /** The action applied, or 'pass'. */
  fault: FaultAction['action'] | 'pass';
  /** Upstream (or replaced) status, when one was sent. */
  status?: number;
}

export interface FaultProxy {
  url: string; // http://127.0.0.1:PORT
  host: string; // 127.0.0.1:PORT
  hits: ProxyHit[];
  /** The live rule list; replace or push to change behaviour mid-test. */
  rules: FaultRule[];
  setRules(rules: FaultRule[]): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(
  targetUrl: string,
  rules: FaultRule[] = [],
  opts: { ca?: string | Buffer } = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const upstreamMod = target.protocol === 'https:' ? https : http;
  const sockets = new Set<Socket>();
  const used = new Map<FaultRule, number>();
  const hits: ProxyHit[] = [];
  const state = { rules };

  const pick = (req: http.IncomingMessage): FaultRule | undefined =>
    state.rules.find((r) => {
      if (r.method && r.method.toUpperCase() !== req.method) return false;
      if (!r.path.test(req.url ?? '')) return false;
      const limit = r.once ? 1 : (r.times ?? Infinity);
      return (used.get(r) ?? 0) < limit;
    });

  const server = http.createServer(async (req, res) => {
    const rule = pick(req);
    if (rule) used.set(rule, (used.get(rule) ?? 0) + 1);
    const hit: ProxyHit = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      fault: rule?.action ?? 'pass',
    };
    hits.push(hit);

    if (rule?.action === 'reset') {
      req.socket.destroy();
      return;
    }
    if (rule?.action === 'replace') {
      hit.status = rule.status;
      const body = rule.body === undefined ? undefined : Buffer.from(rule.body);
      const length = rule.bodyLength ?? body?.length ?? 0;
      res.writeHead(rule.status, { 'content-length': length, ...rule.headers });
      if (rule.bodyLength !== undefined) {
        streamFiller(res, rule.bodyLength);
      } else {
        res.end(body);
      }
      return;
    }
    if (rule?.action === 'delay') await new Promise((r) => setTimeout(r, rule.ms));

    const headers = { ...req.headers, 'x-forwarded-proto': 'http' };
    const upstream = upstreamMod.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers, // Host stays the proxy's, so the registry's Location URLs point back at us
        ca: opts.ca,
        agent: false,
      },
      (up) => {
        hit.status = up.statusCode;
        const outHeaders = { ...up.headers };
        if (typeof outHeaders.location === 'string' && outHeaders.location.startsWith(target.origin)) {
          outHeaders.location = `http://${req.headers.host}${outHeaders.location.slice(target.origin.length)}`;
        }
        res.writeHead(up.statusCode ?? 502, outHeaders);
        if (rule?.action !== 'drop' && rule?.action !== 'stall') {
          up.pipe(res);
          return;
        }
        res.flushHeaders();
        let budget = rule.afterBytes ?? 0;
        const cut = () => {
          up.destroy();
          if (rule.action === 'drop') {
            // Destroy once what we wrote has left, so the client really sees those bytes.
            res.socket?.write('', () => res.socket?.destroy());
          }
          // stall: leave the socket open and silent; stop() destroys it.
        };
        if (budget <= 0) {
          cut();
          return;
        }
        up.on('data', (chunk: Buffer) => {
          if (budget <= 0) return;
          const part = chunk.subarray(0, budget);
          budget -= part.length;
          res.write(part);
          if (budget <= 0) cut();
        });
        up.on('end', () => {
          if (budget > 0) res.end(); // body shorter than the cut point: nothing to break
        });
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits,
    get rules() {
      return state.rules;
    },
    set rules(r: FaultRule[]) {
      state.rules = r;
    },
    setRules(r: FaultRule[]) {
      state.rules = r;
      used.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `length` bytes of filler, respecting backpressure (for "huge body" responses). */
function streamFiller(res: http.ServerResponse, length: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = length;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('close', () => (left = 0));
  pump();
}
