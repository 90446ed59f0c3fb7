import type { Server } from 'node:http';

/**
 * When the engine runs with `--expose-gc` (the `berth` launcher does), collect garbage once the API has
 * been quiet for a moment, so memory a burst of work used (a pull, a load) goes back to the system
 * instead of sitting in V8's heap until the next allocation pressure.
 */
export function collectWhenIdle(server: Server, quietMs = 2000): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => gc(), quietMs);
    timer.unref();
  };
  server.on('request', (_req, res) => res.on('close', schedule));
  server.on('upgrade', (_req, socket) => socket.on('close', schedule));
}
