import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from './errors.js';

/** The engine's settings file, in dockerd's daemon.json vocabulary so users can reuse theirs. */
export interface EngineConfig {
  /** Docker Hub mirrors ("accelerators"), tried in order before the origin. */
  registryMirrors: string[];
  /** Registries reached over plain HTTP / without TLS verification: `host:port` or CIDR. */
  insecureRegistries: string[];
  /** Per-registry certificates, docker's certs.d layout. */
  certsDir?: string;
  /** Layers downloaded at once per pull. */
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
}

export const defaultConfig: EngineConfig = {
  registryMirrors: [],
  insecureRegistries: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
};

function stringList(value: unknown, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidArgumentError(`config: "${key}" must be a list of strings`);
  }
  return value;
}

function positiveInt(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`config: "${key}" must be a positive integer`);
  }
  return value;
}

/** Validates a parsed config object (unknown keys are ignored, as dockerd does for forward compatibility). */
export function parseConfig(raw: unknown): EngineConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidArgumentError('config: expected a JSON object');
  }
  const o = raw as Record<string, unknown>;
  const mirrors = stringList(o['registry-mirrors'], 'registry-mirrors');
  for (const m of mirrors) {
    if (!/^https?:\/\/[^/]+/.test(m)) throw new InvalidArgumentError(`config: invalid mirror URL "${m}"`);
  }
  const cfg: EngineConfig = {
    registryMirrors: mirrors.map((m) => m.replace(/\/+$/, '')),
    insecureRegistries: stringList(o['insecure-registries'], 'insecure-registries'),
    maxConcurrentDownloads: positiveInt(o['max-concurrent-downloads'], 'max-concurrent-downloads', 3),
    maxConcurrentUploads: positiveInt(o['max-concurrent-uploads'], 'max-concurrent-uploads', 5),
  };
  if (o['certs-dir'] !== undefined) {
    if (typeof o['certs-dir'] !== 'string')
      throw new InvalidArgumentError('config: "certs-dir" must be a string');
    cfg.certsDir = o['certs-dir'];
  }
  return cfg;
}

/** Reads the config file; a missing file means defaults, a malformed one is an error. */
export async function loadConfig(path: string | undefined): Promise<EngineConfig> {
  if (!path) return { ...defaultConfig };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...defaultConfig };
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`config ${path}: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}
