// The app's own settings (not the engine's): theme, language, connections. One JSON file, replaced
// atomically so a crash never leaves half a file.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SavedConnection {
  id: string;
  name: string;
  url: string;
}

export interface AppSettings {
  theme: 'light' | 'dark' | 'system';
  language: 'en' | 'zh-CN' | 'system';
  /** Id of the connection in use; absent means the embedded engine (or the first one that exists). */
  currentConnection?: string;
  connections: SavedConnection[];
  /** Free-form UI preferences (sort orders, column choices), keyed by feature. */
  ui: Record<string, unknown>;
}

const DEFAULTS: AppSettings = { theme: 'system', language: 'system', connections: [], ui: {} };

export function defaultSettingsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'berth', 'app-settings.json');
}

export class SettingsStore {
  private current: AppSettings = structuredClone(DEFAULTS);
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string = defaultSettingsPath()) {}

  async load(): Promise<AppSettings> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<AppSettings>;
      this.current = { ...structuredClone(DEFAULTS), ...parsed };
      if (!Array.isArray(this.current.connections)) this.current.connections = [];
      if (typeof this.current.ui !== 'object' || !this.current.ui) this.current.ui = {};
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
    const snapshot = JSON.stringify(next, null, 2);
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, snapshot, { mode: 0o600 });
      await rename(tmp, this.path);
    });
    await this.writing;
    return this.get();
  }
}
