import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { compareVersions, sendError, sendJSON, type RequestContext } from './http.js';
import type { Router } from './router.js';
import { API_VERSION, MIN_API_VERSION } from './version.js';

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export interface ApiServerOptions {
  router: Router;
  /** Called for every failed request (for the engine log). */
  onError?: (err: unknown, req: IncomingMessage) => void;
}

/** Splits `/v1.41/images/json` into version and path; unversioned paths get the newest version. */
export function negotiate(pathname: string): { version: string; path: string } {
  const m = VERSION_PREFIX.exec(pathname);
  if (!m) return { version: API_VERSION, path: pathname };
  const version = m[1]!;
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new InvalidArgumentError(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  if (compareVersions(version, API_VERSION) > 0) {
    throw new InvalidArgumentError(
      `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`,
    );
  }
  return { version, path: m[2]! };
}

/** The Docker Engine API HTTP server: version negotiation, routing and JSON errors. */
export function createApiServer(opts: ApiServerOptions): Server {
  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    upgrade?: { socket: Duplex; head: Buffer },
  ): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const { version, path } = negotiate(url.pathname);
      const method = req.method ?? 'GET';
      const found = opts.router.match(method, path);
      if (!('handler' in found)) {
        // dockerd answers unknown paths with 404 "page not found" and its Go mux 405s for wrong methods.
        if (found.methodMismatch) sendJSON(res, 405, { message: 'method not allowed' });
        else throw new NotFoundError('page not found');
        return;
      }
      const ctx: RequestContext = {
        req,
        res,
        params: found.params,
        query: url.searchParams,
        version,
        upgrade,
      };
      await found.handler(ctx);
    } catch (err) {
      opts.onError?.(err, req);
      sendError(res, err);
    }
  };
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => void handle(req, res));
  // Attach and exec ask to upgrade the connection; handlers that do not hijack it answer normally on it.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    // Node hands an upgrade request's body to us in `head` (not in `req`): give the handler its body
    // back, and only what follows it as the first stdin bytes.
    void upgradeBody(req, socket, head).then(
      (rest) => handle(req, res, { socket, head: rest }),
      () => socket.destroy(),
    );
  });
  // Streams (events, logs, pulls) can stay open for a long time.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/** Splits `Content-Length` body bytes off an upgrade request's `head` (reading more if needed) into `req`. */
function upgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isSafeInteger(length) || length <= 0) return Promise.resolve(head);
  const split = (all: Buffer) => {
    req.unshift(all.subarray(0, length));
    return all.subarray(length);
  };
  if (head.length >= length) return Promise.resolve(split(head));
  return new Promise((resolve, reject) => {
    const chunks = [head];
    let got = head.length;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve(split(Buffer.concat(chunks)));
    };
    const onClose = () => reject(new Error('connection closed before the request body'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
