import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';

const run = promisify(execFile);

export interface RootfsPaths {
  upper: string;
  work: string;
  merged: string;
}

export function rootfsPaths(containerDir: string): RootfsPaths {
  return {
    upper: join(containerDir, 'upper'),
    work: join(containerDir, 'work'),
    merged: join(containerDir, 'merged'),
  };
}

/** True if `path` is a mount point (per /proc/self/mountinfo). */
export async function isMounted(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === path);
}

/**
 * Mounts the container's root filesystem: the image's layers (top first) as overlayfs lower dirs under a
 * writable upper dir. Lower dirs are given relative to the layers root (mount runs there) so long layer
 * stacks stay under the kernel's one-page limit for mount options.
 */
export async function mountRootfs(
  paths: RootfsPaths,
  layersRoot: string,
  lowerDirs: string[],
  emptyLower: string,
): Promise<void> {
  await mkdir(paths.upper, { recursive: true, mode: 0o755 });
  await mkdir(paths.work, { recursive: true, mode: 0o700 });
  await mkdir(paths.merged, { recursive: true, mode: 0o755 });
  if (await isMounted(paths.merged)) return;
  const lowers = lowerDirs.length
    ? lowerDirs.map((d) => relative(layersRoot, d))
    : [relative(layersRoot, emptyLower)];
  const options = `lowerdir=${lowers.join(':')},upperdir=${paths.upper},workdir=${paths.work}`;
  try {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', options, paths.merged], { cwd: layersRoot });
  } catch (err) {
    throw new SystemError(
      `failed to mount the container's root filesystem: ${(err as { stderr?: string }).stderr || String(err)}`,
    );
  }
}

export async function unmountRootfs(paths: RootfsPaths): Promise<void> {
  if (!(await isMounted(paths.merged))) return;
  try {
    await run('umount', [paths.merged]);
  } catch {
    await run('umount', ['-l', paths.merged]).catch(() => undefined);
  }
}
