import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';
import { inUserNamespace } from '../runtime/rootless/userns.js';
import {
  EINVAL,
  ENOENT,
  helperAvailable,
  MNT_DETACH,
  SyscallError,
  sysMount,
  sysUnmount,
} from '../runtime/helper.js';

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
  opts: { volatile?: boolean } = {},
): Promise<void> {
  await mkdir(paths.upper, { recursive: true, mode: 0o755 });
  await mkdir(paths.work, { recursive: true, mode: 0o700 });
  await mkdir(paths.merged, { recursive: true, mode: 0o755 });
  if (await isMounted(paths.merged)) return;
  const lowers = lowerDirs.length
    ? lowerDirs.map((d) => relative(layersRoot, d))
    : [relative(layersRoot, emptyLower)];
  const options = `lowerdir=${lowers.join(':')},upperdir=${paths.upper},workdir=${paths.work}`;
  const failed = (err: unknown) =>
    new SystemError(
      `failed to mount the container's root filesystem: ${(err as { stderr?: string }).stderr || String(err)}`,
    );
  if (!inUserNamespace()) {
    if (opts.volatile && !volatileRefused) {
      try {
        await mountOverlay(layersRoot, `${options},volatile`, paths.merged);
        return;
      } catch {
        // Linux < 5.10: without it (and remembered once the plain mount works)
      }
    }
    try {
      await mountOverlay(layersRoot, options, paths.merged);
    } catch (err) {
      throw failed(err instanceof SyscallError ? err.message : err);
    }
    if (opts.volatile) volatileRefused = true;
    return;
  }
  // Rootless: the kernel's overlayfs with `userxattr` (Linux 5.11+; opaque dirs as user.overlay.opaque),
  // else fuse-overlayfs, which reads the same layer format.
  const driver = process.env.BERTH_ROOTLESS_OVERLAY;
  if (driver !== 'fuse-overlayfs') {
    try {
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `${options},userxattr`, paths.merged], {
        cwd: layersRoot,
      });
      return;
    } catch (err) {
      if (driver === 'overlay') throw failed(err);
    }
  }
  const absolute = lowers.map((d) => join(layersRoot, d));
  try {
    await run('fuse-overlayfs', [
      '-o',
      `lowerdir=${absolute.join(':')},upperdir=${paths.upper},workdir=${paths.work}`,
      paths.merged,
    ]);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new SystemError(
      "failed to mount the container's root filesystem: the kernel refused a rootless overlay mount " +
        (missing
          ? '(it needs Linux 5.11+) and fuse-overlayfs is not installed (apt-get install fuse-overlayfs)'
          : `and fuse-overlayfs failed: ${(err as { stderr?: string }).stderr || String(err)}`),
    );
  }
}

/**
 * `volatile` (Linux 5.10+) drops the sync of the upper filesystem that overlayfs does at unmount —
 * a sync of the whole host filesystem, which costs tens of ms when other writers are busy. The price
 * is that the upper dir is unusable after an OS crash, which only suits containers removed on exit.
 */
let volatileRefused = false;

/** One overlay mount, through the mount helper when it runs, else mount(8) (run from `layersRoot`). */
async function mountOverlay(layersRoot: string, options: string, target: string): Promise<void> {
  if (helperAvailable()) {
    try {
      await sysMount({ cwd: layersRoot, type: 'overlay', source: 'overlay', target, data: options });
      return;
    } catch (err) {
      if (err instanceof SyscallError) throw err;
      // the helper itself failed: mount(8) below
    }
  }
  await run('mount', ['-t', 'overlay', 'overlay', '-o', options, target], { cwd: layersRoot });
}

export async function unmountRootfs(paths: RootfsPaths): Promise<void> {
  if (!inUserNamespace() && helperAvailable()) {
    try {
      await sysUnmount(paths.merged);
      return;
    } catch (err) {
      // EINVAL: not a mount point; ENOENT: no such directory — nothing to unmount either way.
      if (err instanceof SyscallError && (err.errno === EINVAL || err.errno === ENOENT)) return;
      if (err instanceof SyscallError) return sysUnmount(paths.merged, MNT_DETACH).catch(() => undefined);
      // the helper itself failed: umount(8) below
    }
  }
  if (!(await isMounted(paths.merged))) return;
  try {
    await run('umount', [paths.merged]);
  } catch {
    await run('umount', ['-l', paths.merged]).catch(() => undefined);
  }
}
