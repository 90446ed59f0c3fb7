// Assembles the backend one app instance shares between its clients.
import { ConnectionManager } from './connections.js';
import type { Backend, Notice } from './context.js';
import type { EngineHost } from './engine-host.js';
import { SettingsStore } from './settings-store.js';

export interface BackendOptions {
  settingsPath?: string;
  /** The embedded engine, started by the caller (or absent when serving another engine). */
  engine?: EngineHost;
  /** Connect to this engine URL first (`berth serve --host`). */
  hostUrl?: string;
  notify?: (notice: Notice) => void;
}

export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const settings = new SettingsStore(opts.settingsPath);
  await settings.load();
  const env = opts.hostUrl ? { ...process.env, DOCKER_HOST: opts.hostUrl } : process.env;
  const connections = new ConnectionManager({
    settings,
    env,
    embeddedUrl: opts.engine ? `unix://${opts.engine.socket}` : undefined,
  });
  if (opts.hostUrl) await connections.use('docker-host');
  return { connections, settings, engine: opts.engine, notify: opts.notify ?? (() => undefined) };
}
