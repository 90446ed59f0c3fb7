// What every handler gets: the engine connection, the app settings, the embedded engine's controls
// (when this app hosts one) and per-client state.
import type Docker from 'dockerode';
import type { ConnectionManager } from './connections.js';
import type { EngineHost } from './engine-host.js';
import type { SettingsStore } from './settings-store.js';

export interface Notice {
  title: string;
  body: string;
}

/** Shared by every client of one app (one Electron main process, one `berth serve`). */
export interface Backend {
  connections: ConnectionManager;
  settings: SettingsStore;
  /** The engine this app started, if any (absent when serving another engine). */
  engine?: EngineHost;
  /** Tells the user a long task finished (Electron: a native notification when unfocused). */
  notify(notice: Notice): void;
}

export interface BackendContext extends Backend {
  /** dockerode for the current connection. */
  docker(): Promise<Docker>;
  /** State that lives as long as one client's connection (open terminals, uploads); keyed by feature. */
  session: Map<string, unknown>;
}
