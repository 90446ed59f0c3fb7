// The embedded engine's settings file (dockerd's daemon.json vocabulary: `registry-mirrors`,
// `insecure-registries`, …). The app edits only the keys it shows and keeps every other key; the
// engine reads the file when it starts.
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HandlerError } from './errors.js';

export interface EngineConfigView {
  registryMirrors: string[];
  insecureRegistries: string[];
  /** Set when the file exists but is not a JSON object. */
  error?: string;
  /** Last change of the file (ms since the epoch), if it exists. */
  modifiedAt?: number;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

async function readRaw(path: string): Promise<{ raw: Record<string, unknown>; error?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { raw: {} };
    return { raw: {}, error: (err as Error).message };
  }
  if (!text.trim()) return { raw: {} };
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { raw: {}, error: `${path}: expected a JSON object` };
    }
    return { raw: parsed as Record<string, unknown> };
  } catch (err) {
    return { raw: {}, error: `${path}: ${(err as Error).message}` };
  }
}

export async function readEngineConfig(path: string): Promise<EngineConfigView> {
  const { raw, error } = await readRaw(path);
  const modifiedAt = await stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  return {
    registryMirrors: strings(raw['registry-mirrors']),
    insecureRegistries: strings(raw['insecure-registries']),
    ...(error ? { error } : {}),
    ...(modifiedAt !== undefined ? { modifiedAt } : {}),
  };
}

/** Sets the given keys (an empty list removes the key) and replaces the file atomically. */
export async function updateEngineConfig(
  path: string,
  change: { registryMirrors?: string[]; insecureRegistries?: string[] },
): Promise<void> {
  const { raw, error } = await readRaw(path);
  if (error) {
    throw new HandlerError(
      `the engine's settings file cannot be read (${error}); fix or remove it first`,
      409,
      'invalid-argument',
    );
  }
  const set = (key: string, list: string[] | undefined) => {
    if (list === undefined) return;
    const unique = [...new Set(list.map((s) => s.trim()).filter(Boolean))];
    if (unique.length) raw[key] = unique;
    else delete raw[key];
  };
  set(
    'registry-mirrors',
    change.registryMirrors?.map((m) => m.replace(/\/+$/, '')),
  );
  set('insecure-registries', change.insecureRegistries);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify(raw, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
