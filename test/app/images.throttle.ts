/**
 * A loopback HTTP proxy in front of a registry that sends blob bodies at a set rate, so a pull takes
 * long enough to watch (and cancel), and counts the blob downloads in flight, so a test can see the
 * engine stop downloading once the app cancels. Everything but blob GETs passes through untouched.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ThrottleProxy {
  url: string;
  host: string;
  /** Blob responses still open. */
  inFlight(): number;
  /** Blob body bytes sent so far. */
  bytesSent(): number;
  /** Bytes per second for blob bodies; Infinity for full speed. */
  setRate(bytesPerSecond: number): void;
  stop(): Promise<void>;
}

const TICK_MS = 50;

export async function startThrottleProxy(targetUrl: string, bytesPerSecond: number): Promise<ThrottleProxy> {
  const target = new URL(targetUrl);
  let rate = bytesPerSecond;
  let inFlight = 0;
  let sent = 0;
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        const headers = { ...up.headers };
        if (typeof headers.location === 'string' && headers.location.startsWith(target.origin)) {
          headers.location = `http://${req.headers.host}${headers.location.slice(target.origin.length)}`;
        }
        res.writeHead(up.statusCode ?? 502, headers);
        if (!isBlob) {
          up.pipe(res);
          return;
        }
        inFlight++;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          inFlight--;
          clearInterval(timer);
          up.destroy();
        };
        res.on('close', finish);
        // Take the body in ticks of rate/20 bytes: read what the budget allows, pause the rest.
        const pending: Buffer[] = [];
        let ended = false;
        up.on('data', (chunk: Buffer) => {
          pending.push(chunk);
          up.pause();
        });
        up.on('end', () => (ended = true));
        const timer = setInterval(() => {
          let budget =
            rate === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor((rate * TICK_MS) / 1000));
          while (budget > 0 && pending.length) {
            const chunk = pending[0]!;
            const part = chunk.subarray(0, budget);
            if (part.length === chunk.length) pending.shift();
            else pending[0] = chunk.subarray(part.length);
            budget -= part.length;
            sent += part.length;
            res.write(part);
          }
          if (pending.length === 0) {
            if (ended) {
              res.end();
              finish();
            } else up.resume();
          }
        }, TICK_MS);
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
    inFlight: () => inFlight,
    bytesSent: () => sent,
    setRate: (r) => (rate = r),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
