/**
 * `docker cp`: stat a path, read a path as a tar, extract a tar into a directory — inside the
 * container's filesystem as it sees it (volumes and binds included), running or stopped, with every
 * symlink resolved inside the container root so nothing reads or writes outside it.
 */
import { constants, createWriteStream, type Stats } from 'node:fs';
import {
  chown,
  lchown,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  rm,
  symlink,
  chmod,
  utimes,
  lutimes,
} from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { pack as tarPack, extract as tarExtract, type Header } from 'tar-stream';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { cleanEntryName } from '../store/tar-paths.js';
import { mountOf, resolveInRoot, withFsView, type FsView } from './rootfs-access.js';
import type { ContainerService } from './service.js';
import type { ContainerRecord } from './store.js';
import { packTree } from './tar-tree.js';

const run = promisify(execFile);

/** docker's ContainerPathStat; `mode` carries Go's os.FileMode bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode from a stat (type bits above the permission bits). */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.mode & 0o4000) m += 2 ** 23; // setuid
  if (st.mode & 0o2000) m += 2 ** 22; // setgid
  if (st.mode & 0o1000) m += 2 ** 20; // sticky
  if (st.isDirectory()) m += 2 ** 31;
  else if (st.isSymbolicLink()) m += 2 ** 27;
  else if (st.isBlockDevice()) m += 2 ** 26;
  else if (st.isCharacterDevice()) m += 2 ** 26 + 2 ** 21;
  else if (st.isFIFO()) m += 2 ** 25;
  else if (st.isSocket()) m += 2 ** 24;
  return m;
}

/** Go's RFC 3339 with nanoseconds, trailing zeros trimmed (time.Time's JSON form). */
function goTime(ns: bigint): string {
  const secs = Number(ns / 1_000_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, frac ? `.${frac}Z` : 'Z');
}

/** The absolute container path docker works with: cleaned, but a trailing `/` or `/.` is kept. */
function absPath(path: string): string {
  const clean = posix.join('/', path);
  if (path.endsWith('/.') || path === '.') return clean === '/' ? '/.' : clean + '/.';
  if (path.endsWith('/') && clean !== '/') return clean + '/';
  return clean;
}

function notFound(path: string, name: string): NotFoundError {
  return new NotFoundError(`Could not find the file ${path} in container ${name}`);
}

/**
 * Resolves as dockerd's ResolvePath: the directory part fully, the last element not followed
 * (unless the path ends with `/` or `/.`).
 */
async function resolveTarget(view: FsView, abs: string) {
  const follow = abs.endsWith('/') || abs.endsWith('/.');
  return resolveInRoot(view, abs, follow);
}

async function statIn(
  view: FsView,
  path: string,
  name: string,
): Promise<{ stat: PathStat; host: string; cpath: string; st: Stats }> {
  const abs = absPath(path);
  const { cpath, host } = await resolveTarget(view, abs);
  const st = await lstat(host, { bigint: false }).catch(() => undefined);
  if (!st) throw notFound(path, name);
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = (await resolveInRoot(view, cpath, true)).cpath;
  const full = await lstat(host, { bigint: true });
  const stat: PathStat = {
    name: posix.basename(abs.replace(/\/\.?$/, '')) || '/',
    size: st.size,
    mode: goFileMode(st),
    mtime: goTime(full.mtimeNs),
    linkTarget,
  };
  if (abs.endsWith('/.')) stat.name = '.';
  return { stat, host, cpath, st };
}

/** `HEAD /containers/{id}/archive`: the stat docker sends base64-encoded in X-Docker-Container-Path-Stat. */
export async function statPath(
  svc: ContainerService,
  rec: ContainerRecord,
  path: string,
  name: string,
): Promise<PathStat> {
  return withFsView(svc, rec, async (view) => (await statIn(view, path, name)).stat);
}

export function encodeStat(stat: PathStat): string {
  return Buffer.from(JSON.stringify(stat)).toString('base64');
}

/**
 * `GET /containers/{id}/archive`: calls `start(stat)` once the path is known to exist (so the caller
 * can send headers or a 404), then streams the tar of the path into the writable it returns. The
 * archive's top entry is named like the requested path's last element (`.` for `dir/.`).
 */
export async function archivePath(
  svc: ContainerService,
  rec: ContainerRecord,
  path: string,
  name: string,
  start: (stat: PathStat) => Writable,
  signal?: AbortSignal,
): Promise<void> {
  await withFsView(svc, rec, async (view) => {
    const { stat, host } = await statIn(view, path, name);
    const out = start(stat);
    const pack = tarPack();
    const sent = pipeline(pack, out);
    // A client that hangs up rejects `sent` while packTree still runs; observe it now (it is still
    // awaited below) so the rejection is never unhandled.
    sent.catch(() => undefined);
    const entryName = stat.name === '/' ? '.' : stat.name;
    // A live container's /proc and /sys are kernel views, not files: archive them empty.
    const skipContents = view.live ? skipPseudo(host, view.root) : undefined;
    try {
      await packTree(pack, host, entryName, { signal, skipContents });
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
    await sent;
  });
  svc.emit(rec, 'archive-path');
}

function skipPseudo(host: string, root: string): (rel: string) => boolean {
  const base = host.slice(root.length).replace(/\/\.$/, '').replace(/^\/+/, '');
  return (rel) => {
    const full = [base, rel].filter(Boolean).join('/');
    return full === 'proc' || full === 'sys';
  };
}

export interface ExtractOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

/** Numeric uid/gid for the container's configured user, from its /etc/passwd and /etc/group. */
async function containerUser(view: FsView, user: string): Promise<{ uid: number; gid: number } | undefined> {
  if (!user) return undefined;
  const [u = '', g] = user.split(':');
  const lookup = async (file: string, key: string): Promise<string[] | undefined> => {
    const { host } = await resolveInRoot(view, file);
    const text = await readFile(host, 'utf8').catch(() => '');
    return text
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[0] === key);
  };
  const pw = /^\d+$/.test(u) ? undefined : await lookup('/etc/passwd', u);
  const uid = /^\d+$/.test(u) ? Number(u) : Number(pw?.[2] ?? NaN);
  if (Number.isNaN(uid)) return undefined;
  let gid = pw ? Number(pw[3]) : uid;
  if (g !== undefined)
    gid = /^\d+$/.test(g) ? Number(g) : Number((await lookup('/etc/group', g))?.[2] ?? gid);
  return { uid, gid };
}

/** `PUT /containers/{id}/archive`: extracts the tar in `body` into the directory `path`. */
export async function extractToDir(
  svc: ContainerService,
  rec: ContainerRecord,
  path: string,
  name: string,
  body: Readable,
  opts: ExtractOptions,
): Promise<void> {
  await withFsView(svc, rec, async (view) => {
    const { cpath: dest, host } = await resolveInRoot(view, posix.join('/', path), true);
    const st = await lstat(host).catch(() => undefined);
    if (!st) throw notFound(path, name);
    if (!st.isDirectory()) throw new InvalidArgumentError('extraction point is not a directory');
    const mount = mountOf(view, dest);
    if (mount?.readOnly) throw new ForbiddenError('mounted volume is marked read-only');
    if (!mount && view.readonlyRootfs) throw new ForbiddenError('container rootfs is marked read-only');
    const owner = opts.copyUIDGID
      ? await containerUser(view, String(rec.config.User ?? ''))
      : { uid: 0, gid: 0 };
    await extractTar(view, dest, body, { ...opts, owner });
  });
  svc.emit(rec, 'extract-to-dir');
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

async function extractTar(
  view: FsView,
  dest: string,
  body: Readable,
  opts: ExtractOptions & { owner?: { uid: number; gid: number } },
): Promise<void> {
  const extract = tarExtract();
  const dirTimes: Array<{ host: string; mtime: Date }> = [];
  const handle = async (h: Header, stream: Readable): Promise<void> => {
    const parts = cleanEntryName(h.name);
    if (parts.length === 0) {
      stream.resume();
      return; // the destination itself
    }
    // The parent is resolved inside the root (symlinks followed there); the entry itself never is.
    const parent = await resolveInRoot(view, posix.join(dest, ...parts.slice(0, -1)), true);
    const base = parts[parts.length - 1]!;
    const cpath = posix.join(parent.cpath, base);
    const target = (await resolveInRoot(view, cpath, false)).host;
    const uid = opts.owner?.uid ?? h.uid ?? 0;
    const gid = opts.owner?.gid ?? h.gid ?? 0;
    const mode = (h.mode ?? 0o644) & 0o7777;
    const existing = await lstat(target).catch(() => undefined);
    const isDir = h.type === 'directory';
    if (existing) {
      if (existing.isDirectory() && isDir) {
        // keep it; metadata below
      } else if (existing.isDirectory() !== isDir && opts.noOverwriteDirNonDir) {
        stream.resume();
        throw new InvalidArgumentError(
          isDir
            ? `cannot overwrite non-directory "${cpath}" with directory "${h.name}"`
            : `cannot overwrite directory "${cpath}" with non-directory "${h.name}"`,
        );
      } else await rm(target, { recursive: true, force: true });
    }
    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(target, { mode });
        await chown(target, uid, gid);
        await chmod(target, mode);
        dirTimes.push({ host: target, mtime: h.mtime ?? new Date() });
        stream.resume();
        return;
      case 'file':
      case 'contiguous-file': {
        const fh = await open(target, CREATE, mode);
        await pipeline(stream, createWriteStream('', { fd: fh.fd, autoClose: false }));
        await fh.chown(uid, gid);
        await fh.chmod(mode);
        await fh.close();
        if (h.mtime) await utimes(target, h.mtime, h.mtime);
        return;
      }
      case 'symlink':
        stream.resume();
        await symlink(h.linkname ?? '', target);
        await lchown(target, uid, gid);
        if (h.mtime) await lutimes(target, h.mtime, h.mtime).catch(() => undefined);
        return;
      case 'link': {
        stream.resume();
        const from = cleanEntryName(h.linkname ?? '');
        const src = await resolveInRoot(view, posix.join(dest, ...from), false);
        const sst = await lstat(src.host).catch(() => undefined);
        if (!sst || sst.isDirectory())
          throw new InvalidArgumentError(`invalid hard link target ${h.linkname}`);
        await link(src.host, target);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        stream.resume();
        const kind =
          h.type === 'fifo'
            ? ['p']
            : [h.type === 'block-device' ? 'b' : 'c', String(h.devmajor ?? 0), String(h.devminor ?? 0)];
        await run('mknod', ['-m', mode.toString(8), target, ...kind]);
        await lchown(target, uid, gid);
        return;
      }
      default:
        stream.resume(); // pax headers and the like are handled by tar-stream; anything else is skipped
    }
  };
  extract.on('entry', (h, stream, next) => {
    handle(h, stream as unknown as Readable).then(
      () => next(),
      (err: unknown) => extract.destroy(err as Error),
    );
  });
  await pipeline(body, extract);
  // Directory mtimes last: creating their children changed them.
  for (const d of dirTimes.reverse()) await utimes(d.host, d.mtime, d.mtime).catch(() => undefined);
}
