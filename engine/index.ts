import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Engine, listenOnSocket, removeSocket } from './engine.js';
import { loadConfig, type EngineConfig } from './config.js';
import { createApiServer } from './api/server.js';
import { buildRouter } from './api/routes/index.js';
import { defaultDataRoot, defaultSocketPath } from './paths.js';
import { acquireDataRootLock, type DataRootLock } from './lock.js';
import { collectWhenIdle } from './idle-gc.js';

export { Engine } from './engine.js';
export type { EngineConfig } from './config.js';

export interface StartOptions {
  socket?: string;
  dataRoot?: string;
  /** Path of the settings file, or the settings themselves. */
  configPath?: string;
  config?: EngineConfig;
  log?: (line: string) => void;
}

export interface RunningEngine {
  engine: Engine;
  socket: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the engine in this process, serving the Docker Engine API on a UNIX socket. */
export async function startEngine(opts: StartOptions = {}): Promise<RunningEngine> {
  const socket = opts.socket ?? defaultSocketPath();
  const dataRoot = opts.dataRoot ?? defaultDataRoot();
  const log = opts.log ?? (() => undefined);
  const config = opts.config ?? (await loadConfig(opts.configPath));
  const lock: DataRootLock = await acquireDataRootLock(dataRoot);
  try {
    const engine = new Engine(dataRoot, config);
    await engine.open();
    const server = createApiServer({
      router: buildRouter(engine),
      onError: (err, req) => {
        const status = (err as { status?: number }).status ?? 500;
        if (status >= 500) log(`${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      },
    });
    // Hijacked connections (attach, exec) leave the HTTP server's bookkeeping, so closeAllConnections
    // misses them and server.close() would wait for them forever: keep our own list.
    const sockets = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await listenOnSocket(server, socket);
    collectWhenIdle(server);
    log(`Berth engine listening on unix://${socket} (data root ${dataRoot})`);
    return {
      engine,
      socket,
      server,
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        });
        engine.close();
        await removeSocket(socket);
        await lock.release();
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}
