// The web bridge: serves the renderer and carries the bridge protocol over a WebSocket, for
// `berth serve` (and for the end-to-end tests in Chromium). Token-protected; loopback unless told.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerMessage } from '../contract/envelope.js';
import type { Backend } from '../backend/context.js';
import { BridgeSession } from '../backend/session.js';
import { serveStatic } from './static-files.js';

export interface WebServerOptions {
  backend: Backend;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  port?: number;
  /** Address to listen on; 127.0.0.1 unless the user asked for another. */
  listen?: string;
  token?: string;
}

export interface WebServer {
  server: Server;
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const tokenOk = (given: string | null) => {
    if (!given) return false;
    const g = Buffer.from(given);
    return g.length === expected.length && timingSafeEqual(g, expected);
  };

  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    void serveStatic(opts.rendererDir, req, res);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The token proves the page came from the printed URL; the Origin check stops other sites'
    // pages (and DNS rebinding) from driving the engine through the user's browser.
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}`;
    if (url.pathname !== '/bridge' || !tokenOk(url.searchParams.get('token')) || !sameOrigin) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, opts.backend));
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      const alive = ws as WebSocket & { berthAlive?: boolean };
      if (alive.berthAlive === false) {
        ws.terminate();
        continue;
      }
      alive.berthAlive = false;
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const host = opts.listen ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    token,
    url: `http://${shownHost}:${addr.port}/?token=${token}`,
    async close() {
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function attach(ws: WebSocket, backend: Backend): void {
  const alive = ws as WebSocket & { berthAlive?: boolean };
  alive.berthAlive = true;
  ws.on('pong', () => (alive.berthAlive = true));
  const session = new BridgeSession(backend, (msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    session.receive(msg);
  });
  ws.on('close', () => session.close());
  ws.on('error', () => session.close());
}
