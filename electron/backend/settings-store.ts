// The app's own settings (not the engine's): theme, language, connections, window state, and where
// the embedded engine keeps its data. One JSON file, replaced atomically so a crash never leaves half
// a file.
import { EventEmitter } from 'node:events';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SavedConnection {
  id: string;
  name: string;
  url: string;
}

/** The main window's last position and size (Electron). */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface AppSettings {
  theme: 'light' | 'dark' | 'system';
  language: 'en' | 'zh-CN' | 'system';
  /** Id of the connection in use; absent means the embedded engine (or the first one that exists). */
  currentConnection?: string;
  connections: SavedConnection[];
  /** Free-form UI preferences (sort orders, column choices), keyed by feature. */
  ui: Record<string, unknown>;
  /** The embedded engine: a data root chosen by the user, used from the next engine start. */
  engine: { dataRoot?: string };
  window?: WindowState;
}

const DEFAULTS: AppSettings = { theme: 'system', language: 'system', connections: [], ui: {}, engine: {} };

export function defaultSettingsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'berth', 'app-settings.json');
}

/** Fills in what an older or hand-edited file lacks, and drops values of the wrong type. */
function normalize(parsed: Partial<AppSettings>): AppSettings {
  const s: AppSettings = { ...structuredClone(DEFAULTS), ...parsed };
  if (!['light', 'dark', 'system'].includes(s.theme)) s.theme = 'system';
  if (!['en', 'zh-CN', 'system'].includes(s.language)) s.language = 'system';
  if (!Array.isArray(s.connections)) s.connections = [];
  if (typeof s.ui !== 'object' || !s.ui) s.ui = {};
  if (typeof s.engine !== 'object' || !s.engine) s.engine = {};
  if (s.engine.dataRoot !== undefined && typeof s.engine.dataRoot !== 'string') delete s.engine.dataRoot;
  return s;
}

/** Emits 'change' (with the new settings) after every update. */
export class SettingsStore extends EventEmitter {
  private current: AppSettings = structuredClone(DEFAULTS);
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string = defaultSettingsPath()) {
    super();
  }

  async load(): Promise<AppSettings> {
    try {
      this.current = normalize(JSON.parse(await readFile(this.path, 'utf8')) as Partial<AppSettings>);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A damaged file must not stop the app: start from defaults and keep the bad file aside.
        await rename(this.path, `${this.path}.damaged`).catch(() => undefined);
      }
      this.current = structuredClone(DEFAULTS);
    }
    return this.get();
  }

  get(): AppSettings {
    return structuredClone(this.current);
  }

  /** Applies a change and persists it; writes are serialized. */
  async update(change: (s: AppSettings) => void): Promise<AppSettings> {
    const next = this.get();
    change(next);
    this.current = next;
    this.emit('change', this.get());
    const snapshot = JSON.stringify(next, null, 2);
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        const tmp = `${this.path}.${process.pid}.tmp`;
        await writeFile(tmp, snapshot, { mode: 0o600 });
        await rename(tmp, this.path);
      });
    await this.writing;
    return this.get();
  }
}

/**
 * The data root the user chose for the embedded engine, read straight from the settings file (the
 * engine starts before the rest of the backend exists).
 */
export async function readDataRootSetting(path = defaultSettingsPath()): Promise<string | undefined> {
  try {
    return (
      normalize(JSON.parse(await readFile(path, 'utf8')) as Partial<AppSettings>).engine.dataRoot || undefined
    );
  } catch {
    return undefined;
  }
}
