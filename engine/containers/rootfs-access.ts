/**
 * Access to a container's files from the engine, running or not:
 *
 * - `withRootfs(svc, rec, fn)` gives the merged overlay root (the container's own filesystem, without
 *   its volumes), mounting it for the duration of `fn` when the container is stopped.
 * - `withFsView(svc, rec, fn)` gives the filesystem as the container sees it: `/proc/<pid>/root` while it
 *   runs (volumes, binds and tmpfs included), else the merged root plus its bind/volume mounts mapped
 *   to their host directories.
 * - `resolveInRoot(view, path)` resolves a container path to a host path with every symlink evaluated
 *   inside the container's root, so nothing (absolute links, `..`) can lead out of it.
 */
import { lstat, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SystemError } from '../errors.js';
import { isMounted, mountRootfs, rootfsPaths, unmountRootfs } from './rootfs.js';
import type { ContainerService } from './service.js';
import type { ContainerRecord } from './store.js';

export interface FsView {
  /** Host path of the container's `/`. */
  root: string;
  /** Container mounts: destinations that map to other host directories (longest match wins; '' for tmpfs). */
  mounts: Array<{ dest: string; source: string; readOnly: boolean }>;
  /** True when `root` is `/proc/<pid>/root` of a running container. */
  live: boolean;
  readonlyRootfs: boolean;
}

/** Temporary mounts in use, per container, so overlapping callers share one mount. */
const temporary = new Map<string, { count: number; ready: Promise<void> }>();

/** The overlay lower dirs of the container's image, top layer first (as service.ts mounts them). */
function lowerDirs(svc: ContainerService, rec: ContainerRecord): string[] {
  const image = svc.deps.images.store.get(rec.imageId);
  if (!image) throw new SystemError(`image ${rec.imageId} of container ${rec.id.slice(0, 12)} is gone`);
  return [...image.layers].reverse().map((l) => svc.deps.layers.diffPath(l.chainId));
}

export function imageLowerDirs(svc: ContainerService, rec: ContainerRecord): string[] {
  return lowerDirs(svc, rec);
}

/** Runs `fn` with the container's merged root filesystem mounted; unmounts it after if we mounted it. */
export async function withRootfs<T>(
  svc: ContainerService,
  rec: ContainerRecord,
  fn: (merged: string) => Promise<T>,
): Promise<T> {
  const dir = svc.store.dir(rec.id);
  const paths = rootfsPaths(dir);
  const inUse = temporary.get(rec.id);
  if (!inUse && (await isMounted(paths.merged))) return fn(paths.merged);
  let entry = inUse;
  if (!entry) {
    const ready = mountRootfs(
      paths,
      join(svc.deps.dataRoot, 'layers'),
      lowerDirs(svc, rec),
      join(dir, 'empty'),
    );
    entry = { count: 0, ready };
    temporary.set(rec.id, entry);
  }
  entry.count++;
  try {
    await entry.ready;
    return await fn(paths.merged);
  } finally {
    entry.count--;
    if (entry.count === 0) {
      temporary.delete(rec.id);
      // The container may have started meanwhile: its own mount is the same one, so leave it.
      const now = svc.store.get(rec.id);
      if (!now?.state.running) await unmountRootfs(paths).catch(() => undefined);
    }
  }
}

/** Runs `fn` with the container's filesystem as the container sees it (see the module comment). */
export async function withFsView<T>(
  svc: ContainerService,
  rec: ContainerRecord,
  fn: (view: FsView) => Promise<T>,
): Promise<T> {
  const readonlyRootfs = Boolean(rec.hostConfig.ReadonlyRootfs);
  // tmpfs mounts have no host directory (source ''): they only matter for read-only checks.
  const mounts = rec.mounts.map((m) => ({
    dest: posix.normalize(m.Destination),
    source: m.Type === 'tmpfs' ? '' : m.Source,
    readOnly: !m.RW,
  }));
  for (const [dest, opts] of Object.entries((rec.hostConfig.Tmpfs as Record<string, string> | null) ?? {})) {
    mounts.push({ dest: posix.normalize(dest), source: '', readOnly: opts.split(',').includes('ro') });
  }
  if (rec.state.running && !rec.state.restarting && rec.state.pid) {
    const root = `/proc/${rec.state.pid}/root`;
    const alive = await lstat(root).then(
      () => true,
      () => false,
    );
    if (alive) return fn({ root, mounts, live: true, readonlyRootfs });
  }
  return withRootfs(svc, rec, (merged) => fn({ root: merged, mounts, live: false, readonlyRootfs }));
}

/** The mount that holds container path `cpath`, if any. */
export function mountOf(view: FsView, cpath: string): FsView['mounts'][number] | undefined {
  let best: FsView['mounts'][number] | undefined;
  for (const m of view.mounts) {
    if (cpath === m.dest || cpath.startsWith(m.dest === '/' ? '/' : m.dest + '/')) {
      if (!best || m.dest.length > best.dest.length) best = m;
    }
  }
  return best;
}

/** Host path of a clean, absolute container path whose components are already resolved. */
export function hostPath(view: FsView, cpath: string): string {
  // In a live view the kernel already shows the mounts.
  const m = view.live ? undefined : mountOf(view, cpath);
  if (m?.source) return join(m.source, cpath.slice(m.dest.length));
  return join(view.root, cpath);
}

const MAX_LINKS = 40;

/**
 * Resolves `path` (relative paths are taken from `/`) inside the container root, following symlinks
 * in every component (the last one only when `followLast`). Missing components are kept lexically.
 * Returns the resolved container path and its host path.
 */
export async function resolveInRoot(
  view: FsView,
  path: string,
  followLast = true,
): Promise<{ cpath: string; host: string }> {
  const resolved: string[] = [];
  let pending = path.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const cand = [...resolved, part];
    const isLast = pending.every((p) => p === '' || p === '.');
    if (isLast && !followLast) {
      resolved.push(part);
      break;
    }
    const cpath = '/' + cand.join('/');
    const st = await lstat(hostPath(view, cpath)).catch(() => undefined);
    if (st?.isSymbolicLink()) {
      if (++hops > MAX_LINKS) throw new SystemError(`too many levels of symbolic links: ${path}`);
      const target = await readlink(hostPath(view, cpath));
      if (target.startsWith('/')) resolved.length = 0;
      pending = [...target.split('/'), ...pending];
      continue;
    }
    resolved.push(part);
  }
  const cpath = '/' + resolved.join('/');
  return { cpath, host: hostPath(view, cpath) };
}
