// Settings and troubleshooting: the app's own preferences (theme, language), the embedded engine's
// settings (mirrors, insecure registries, data location), and the embedded engine's log and controls
// (restart, reset). Registry logins belong to the images contract (images.logins/login/logout).
import { z } from 'zod';
import { method, topic } from './define.js';

export type ThemeSetting = 'light' | 'dark' | 'system';
export type LanguageSetting = 'en' | 'zh-CN' | 'system';

export interface Preferences {
  theme: ThemeSetting;
  language: LanguageSetting;
}

export type EngineHostState = 'starting' | 'running' | 'stopped' | 'failed' | 'external';

/** The engine this app hosts, if any. */
export interface EngineStatus {
  /** False when the app manages an engine it did not start (`berth serve --host`, no embedded engine). */
  hosted: boolean;
  /** Whether the current connection is the hosted engine. */
  current: boolean;
  state?: EngineHostState;
  socket?: string;
  dataRoot?: string;
  configPath?: string;
  /** When the engine last came up (ms since the epoch). */
  startedAt?: number;
}

/** The embedded engine's settings: its config file (daemon.json vocabulary) and its data location. */
export interface EngineSettings {
  status: EngineStatus;
  registryMirrors: string[];
  insecureRegistries: string[];
  /** The config file could not be read as JSON; it is shown, and saving replaces only our keys. */
  configError?: string;
  /** The data root in use now. */
  dataRoot?: string;
  /** The data root chosen in the settings (used from the next start), if any. */
  dataRootSetting?: string;
  /** The data root used when nothing is chosen. */
  defaultDataRoot?: string;
  /** False when the location was fixed at start (`berth serve --data-root`): it cannot be changed here. */
  dataRootSettable: boolean;
  /** The config file or the data location changed since the engine started. */
  restartNeeded: boolean;
}

export type EngineWatchEvent = { type: 'state'; state: EngineHostState } | { type: 'log'; line: string };

const mirrorUrl = z
  .string()
  .trim()
  .max(512)
  .regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'a mirror URL like https://mirror.example.com');

const insecureRegistry = z
  .string()
  .trim()
  .max(256)
  .regex(/^[A-Za-z0-9.:[\]-]+(\/\d{1,3})?$/, 'host:port or a CIDR like 10.0.0.0/8');

const absolutePath = z
  .string()
  .trim()
  .min(1)
  .max(1024)
  .regex(/^(\/|[A-Za-z]:[\\/])/, 'an absolute path');

export const settingsMethods = {
  'settings.get': method<Preferences>()(z.object({}).strict()),
  'settings.update': method<Preferences>()(
    z
      .object({
        theme: z.enum(['light', 'dark', 'system']).optional(),
        language: z.enum(['en', 'zh-CN', 'system']).optional(),
      })
      .strict(),
  ),
  'settings.engine.get': method<EngineSettings>()(z.object({}).strict()),
  /** Writes the embedded engine's config file / data location; both apply at the next engine start. */
  'settings.engine.update': method<EngineSettings>()(
    z
      .object({
        registryMirrors: z.array(mirrorUrl).max(32).optional(),
        insecureRegistries: z.array(insecureRegistry).max(64).optional(),
        /** null goes back to the default location. */
        dataRoot: absolutePath.nullable().optional(),
      })
      .strict(),
  ),

  'engine.status': method<EngineStatus>()(z.object({}).strict()),
  'engine.log': method<string[]>()(
    z.object({ tail: z.number().int().min(1).max(100_000).optional() }).strict(),
  ),
  /** Restarts the hosted engine; containers keep running and are adopted. */
  'engine.restart': method<EngineStatus>()(z.object({}).strict()),
  /** Removes every container, image and volume of the hosted engine and starts it empty. */
  'engine.reset': method<EngineStatus>()(z.object({ confirm: z.literal('reset') }).strict()),
};

export const settingsTopics = {
  /** The hosted engine's state (first the current one, then every change) and new log lines, as they happen. */
  'engine.watch': topic<EngineWatchEvent>()(z.object({}).strict()),
};
