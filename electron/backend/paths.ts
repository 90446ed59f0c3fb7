import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project (or installed package) root, found from this file both in sources and in dist/. */
export function projectRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const dist = here.lastIndexOf('/dist/');
  return dist >= 0 ? here.slice(0, dist) : here.slice(0, here.lastIndexOf('/electron/'));
}

/** The built renderer (vite output). */
export function rendererDir(): string {
  return join(projectRoot(), 'dist', 'renderer');
}

/** The `berth` launcher script. */
export function berthLauncher(): string {
  return join(projectRoot(), 'bin', 'berth');
}
