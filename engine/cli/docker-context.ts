import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

export const CONTEXT_NAME = 'berth';

/** Where the docker CLI keeps a context's metadata: `$DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json`. */
export function contextMetaPath(
  name = CONTEXT_NAME,
  dockerConfigDir = process.env.DOCKER_CONFIG || join(homedir(), '.docker'),
): string {
  const id = createHash('sha256').update(name).digest('hex');
  return join(dockerConfigDir, 'contexts', 'meta', id, 'meta.json');
}

/**
 * Creates or updates the `berth` docker context pointing at the engine's socket, so
 * `docker context use berth` (or `docker --context berth …`) reaches Berth. Returns true if it changed.
 */
export async function ensureDockerContext(socket: string, dockerConfigDir?: string): Promise<boolean> {
  const path = contextMetaPath(CONTEXT_NAME, dockerConfigDir);
  const meta = {
    Name: CONTEXT_NAME,
    Metadata: { Description: 'Berth engine' },
    Endpoints: { docker: { Host: `unix://${socket}`, SkipTLSVerify: false } },
  };
  const text = JSON.stringify(meta);
  const current = await readFile(path, 'utf8').catch(() => '');
  if (current === text) return false;
  await mkdir(join(path, '..'), { recursive: true });
  await writeFileAtomic(path, text);
  return true;
}
