// A container's files through the archive API (GET/HEAD/PUT /containers/{id}/archive), so browsing
// works on any engine and in any image, even one without `ls`.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';
import {
  FILE_TRANSFER_LIMIT,
  type DirListing,
  type FileDownload,
  type FileEntry,
  type FileKind,
  type FileStat,
} from '../../contract/containers.js';
import { HandlerError } from '../errors.js';

/** A directory listing reads the tar of the whole subtree; stop there and say it is truncated. */
const LIST_MAX_ENTRIES = 200_000;
const LIST_MAX_BYTES = 1024 * 1024 * 1024;

export function cleanPath(p: string): string {
  const c = posix.normalize(posix.join('/', p));
  return c.length > 1 ? c.replace(/\/+$/, '') : c;
}

/** Go's os.FileMode type bits (docker's stat header carries them). */
const bit = (mode: number, n: number) => Math.floor(mode / 2 ** n) % 2 === 1;

function kindOfGoMode(mode: number): FileKind {
  if (bit(mode, 31)) return 'dir';
  if (bit(mode, 27)) return 'symlink';
  if (bit(mode, 26) || bit(mode, 25) || bit(mode, 24)) return 'other';
  return 'file';
}

function unixPerm(goMode: number): number {
  let m = goMode % 0o1000;
  if (bit(goMode, 23)) m += 0o4000;
  if (bit(goMode, 22)) m += 0o2000;
  if (bit(goMode, 20)) m += 0o1000;
  return m;
}

interface RawStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

async function rawStat(docker: Docker, id: string, path: string): Promise<RawStat> {
  let res: { headers: Record<string, string | string[] | undefined>; resume?: () => void };
  try {
    res = (await docker.getContainer(id).infoArchive({ path })) as typeof res;
  } catch (err) {
    // HEAD has no body, so the engine's message is lost; say what was missing.
    if ((err as { statusCode?: number }).statusCode === 404) {
      await docker.getContainer(id).inspect(); // a missing container reports itself
      throw new HandlerError(`${path}: no such file or directory in the container`, 404);
    }
    throw err;
  }
  res.resume?.();
  const header = res.headers['x-docker-container-path-stat'];
  if (typeof header !== 'string') throw new HandlerError('the engine sent no path stat', 502);
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RawStat;
}

/** HEAD /containers/{id}/archive; for a symlink, also whether its target is a directory. */
export async function statFile(docker: Docker, id: string, path: string): Promise<FileStat> {
  const clean = cleanPath(path);
  const s = await rawStat(docker, id, clean);
  const kind = kindOfGoMode(s.mode);
  const out: FileStat = {
    path: clean,
    name: s.name,
    size: s.size,
    kind,
    mode: unixPerm(s.mode),
    mtime: Date.parse(s.mtime) || 0,
  };
  if (kind === 'symlink' && s.linkTarget) {
    out.linkTarget = s.linkTarget;
    try {
      // Following the link: a trailing "/." makes the engine resolve the last element too.
      const target = await rawStat(docker, id, s.linkTarget === '/' ? '/.' : `${s.linkTarget}/.`);
      out.targetIsDir = kindOfGoMode(target.mode) === 'dir';
    } catch {
      out.targetIsDir = false; // dangling, or not a directory
    }
  }
  return out;
}

function kindOfTar(type: Header['type']): FileKind {
  switch (type) {
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'file':
    case 'contiguous-file':
    case 'link':
      return 'file';
    default:
      return 'other';
  }
}

/** Entry names relative to the archive's top entry ('.' for a `dir/.` request). */
function relName(name: string): string {
  let n = name.replace(/\/+$/, '');
  if (n === '.' || n === '') return '';
  if (n.startsWith('./')) n = n.slice(2);
  return n;
}

/**
 * Lists a directory from the tar of `dir/.`: only the headers matter, file contents are skipped as
 * they stream past. Directory sizes are the totals of what lies beneath them.
 */
export async function listDir(docker: Docker, id: string, path: string): Promise<DirListing> {
  const clean = cleanPath(path);
  // A stat first (cheap): a missing path or a file gets a clear error before any tar is read, and
  // engines that answer `file/.` with the file itself never get to stream it.
  const st = await statFile(docker, id, clean);
  if (st.kind !== 'dir' && !(st.kind === 'symlink' && st.targetIsDir))
    throw new HandlerError(`${clean} is not a directory`, 400);
  const abort = new AbortController();
  const stream = (await docker.getContainer(id).getArchive({
    path: clean === '/' ? '/.' : `${clean}/.`,
    abortSignal: abort.signal,
  } as {
    path: string;
  })) as unknown as Readable;
  const entries = new Map<string, FileEntry>();
  let top: string | undefined;
  let count = 0;
  let bytes = 0;
  let truncated = false;
  const ex = tarExtract();
  const parsed = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, body, next) => {
      body.on('end', next);
      body.resume();
      if (truncated) return;
      count++;
      bytes += h.size ?? 0;
      const name = relName(h.name);
      if (top === undefined) {
        top = name;
        return;
      }
      const rel = top ? (name.startsWith(`${top}/`) ? name.slice(top.length + 1) : '') : name;
      if (!rel) return;
      const slash = rel.indexOf('/');
      if (slash < 0) {
        const prev = entries.get(rel);
        entries.set(rel, {
          name: rel,
          kind: kindOfTar(h.type),
          size: h.type === 'directory' ? (prev?.size ?? 0) : (h.size ?? 0),
          mode: h.mode ?? 0,
          mtime: h.mtime ? h.mtime.getTime() : 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          ...(h.type === 'symlink' && h.linkname ? { linkTarget: h.linkname } : {}),
        });
      } else {
        const child = entries.get(rel.slice(0, slash));
        if (child && child.kind === 'dir' && h.type !== 'directory') child.size += h.size ?? 0;
      }
      if (count >= LIST_MAX_ENTRIES || bytes >= LIST_MAX_BYTES) {
        // A huge tree: stop reading. (Only then; closing an archive stream early is rough on engines.)
        truncated = true;
        abort.abort();
        resolve();
      }
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.on('error', (err) => {
      if (abort.signal.aborted) resolve();
      else reject(err);
    });
  });
  stream.pipe(ex);
  try {
    await parsed;
  } finally {
    stream.destroy();
  }
  const list = [...entries.values()].sort(
    (a, b) => Number(b.kind === 'dir') - Number(a.kind === 'dir') || a.name.localeCompare(b.name),
  );
  return { path: clean, entries: list, truncated };
}

function tooBig(path: string): HandlerError {
  return new HandlerError(
    `${path} is larger than ${FILE_TRANSFER_LIMIT / 1024 / 1024} MB; use docker cp for it`,
    413,
  );
}

/** Reads a file (its bytes) or a directory (as a tar) out of the container, up to the transfer limit. */
export async function downloadPath(docker: Docker, id: string, path: string): Promise<FileDownload> {
  let st = await statFile(docker, id, path);
  let source = st.path;
  if (st.kind === 'symlink' && st.linkTarget) {
    source = st.linkTarget;
    st = await statFile(docker, id, source);
  }
  if (st.kind === 'file' && st.size > FILE_TRANSFER_LIMIT) throw tooBig(source);
  const stream = (await docker.getContainer(id).getArchive({ path: source })) as unknown as Readable;
  try {
    if (st.kind === 'file') {
      const bytes = await firstEntryBytes(stream, source);
      return { name: st.name, size: bytes.length, base64: bytes.toString('base64'), format: 'file' };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > FILE_TRANSFER_LIMIT) throw tooBig(source);
      chunks.push(chunk as Buffer);
    }
    const tar = Buffer.concat(chunks);
    const base = st.name === '/' || st.name === '.' ? 'root' : st.name;
    return { name: `${base}.tar`, size: tar.length, base64: tar.toString('base64'), format: 'tar' };
  } finally {
    stream.destroy();
  }
}

function firstEntryBytes(stream: Readable, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ex = tarExtract();
    let bytes: Buffer | undefined;
    let seen = false;
    ex.on('entry', (h, body, next) => {
      body.on('end', next);
      if (seen) {
        body.resume();
        return;
      }
      seen = true;
      if ((h.size ?? 0) > FILE_TRANSFER_LIMIT) {
        reject(tooBig(path));
        stream.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      body.on('data', (c) => chunks.push(c as Buffer));
      body.on('end', () => (bytes = Buffer.concat(chunks)));
    });
    // Read the archive to its end rather than closing it early: engines handle that best.
    ex.on('finish', () =>
      bytes ? resolve(bytes) : reject(new HandlerError(`${path}: the engine sent an empty archive`, 502)),
    );
    ex.on('error', reject);
    stream.on('error', reject);
    stream.pipe(ex);
  });
}

/** Builds a one-file tar and extracts it into `dir` (PUT /containers/{id}/archive). */
export async function uploadFile(
  docker: Docker,
  id: string,
  dir: string,
  name: string,
  data: Buffer,
  mode: number,
): Promise<void> {
  if (data.length > FILE_TRANSFER_LIMIT) throw tooBig(name);
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  pack.entry({ name, size: data.length, mode, mtime: new Date(), type: 'file' }, data);
  pack.finalize();
  await ended;
  await docker.getContainer(id).putArchive(Buffer.concat(chunks), { path: cleanPath(dir) });
}
