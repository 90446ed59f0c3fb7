import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * A client connection carrying a container's stdio, as dockerd's hijacked attach/exec endpoints
 * provide: after `101 UPGRADED` (or a plain 200 for clients that do not ask to upgrade) the connection
 * is a raw byte stream both ways.
 */
export interface StdioConnection {
  write(chunk: Buffer): void;
  /** Input from the client (stdin). */
  onInput(listener: (chunk: Buffer) => void): void;
  /** The client half-closed its side (stdin EOF). */
  onInputEnd(listener: () => void): void;
  /** The connection is gone. */
  onClose(listener: () => void): void;
  /** Ends our side (output done). */
  end(): void;
  readonly closed: boolean;
}

export type StreamKind = 'raw' | 'multiplexed';

function contentType(kind: StreamKind): string {
  return kind === 'raw' ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
}

/** Takes over an upgraded socket: answers `101 UPGRADED` and returns the raw connection. */
export function upgradeConnection(socket: Duplex, head: Buffer, kind: StreamKind): StdioConnection {
  socket.write(
    `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType(kind)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
  );
  return socketConnection(socket, head);
}

function socketConnection(socket: Duplex, head: Buffer): StdioConnection {
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => socket.destroy());
  // Keep the half-open side open: stdin EOF must not end our output.
  (socket as Duplex & { allowHalfOpen?: boolean }).allowHalfOpen = true;
  return {
    write: (chunk) => {
      if (!closed && !socket.writableEnded) socket.write(chunk);
    },
    onInput: (listener) => {
      if (head.length) queueMicrotask(() => listener(head));
      socket.on('data', listener);
      socket.resume(); // it may have been paused after reading the request body
    },
    onInputEnd: (listener) => socket.on('end', listener),
    onClose: (listener) => socket.on('close', listener),
    end: () => {
      if (!socket.writableEnded) socket.end();
      // Give the client a moment to read, then make sure the socket goes away.
      setTimeout(() => socket.destroy(), 2000).unref();
    },
    get closed() {
      return closed;
    },
  };
}

/** A client that did not ask to upgrade: stream the output as the response body, stdin from the request body. */
export function responseConnection(
  req: IncomingMessage,
  res: ServerResponse,
  kind: StreamKind,
): StdioConnection {
  let closed = false;
  res.writeHead(200, { 'Content-Type': contentType(kind) });
  res.flushHeaders();
  res.on('close', () => (closed = true));
  return {
    write: (chunk) => {
      if (!closed) res.write(chunk);
    },
    onInput: (listener) => req.on('data', listener),
    onInputEnd: (listener) => req.on('end', listener),
    onClose: (listener) => res.on('close', listener),
    end: () => res.end(),
    get closed() {
      return closed;
    },
  };
}

/** Docker's stdcopy framing: [stream, 0, 0, 0, size(4, big-endian)] + payload. */
export function frame(stream: 0 | 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** The stdio connection for a request: hijacked when the client asked to upgrade, else the response body. */
export function stdioConnection(
  ctx: { req: IncomingMessage; res: ServerResponse; upgrade?: { socket: Duplex; head: Buffer } },
  kind: StreamKind,
): StdioConnection {
  if (ctx.upgrade) {
    ctx.res.detachSocket(ctx.upgrade.socket as never);
    return upgradeConnection(ctx.upgrade.socket, ctx.upgrade.head, kind);
  }
  return responseConnection(ctx.req, ctx.res, kind);
}
