/**
 * Writes a host file tree into a tar stream the way docker's archives look: directories with a
 * trailing slash, ownership, modes, mtimes, symlinks as links, hard links after their first
 * occurrence, device nodes and FIFOs. Symlinks are never followed. Files stream with backpressure.
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Header, Pack } from 'tar-stream';

export interface TreeOptions {
  /** Paths (relative to the tree's root, no leading slash) whose contents are left out (kept as empty dirs). */
  skipContents?: (rel: string) => boolean;
  signal?: AbortSignal;
}

type HeaderArg = Partial<Header> & { name: string };

function headerFor(name: string, st: Stats): HeaderArg {
  const h: HeaderArg = {
    name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: st.mtime,
    size: 0,
  };
  return h;
}

function addEntry(pack: Pack, header: HeaderArg): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

/** The file's first `size` bytes, zero-padded if it shrank meanwhile (a tar entry's size is fixed). */
async function* exactly(path: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: size - 1 }) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      yield chunk;
    }
  }
  while (sent < size) {
    const n = Math.min(size - sent, 64 * 1024);
    sent += n;
    yield Buffer.alloc(n);
  }
}

/**
 * Adds `hostPath` (and, for a directory, everything below it) to `pack` under the name `name`
 * (`.` is allowed: entries become `./x`; `''` adds only what is below the root, as docker export does).
 */
export async function packTree(
  pack: Pack,
  hostPath: string,
  name: string,
  opts: TreeOptions = {},
): Promise<void> {
  const links = new Map<string, string>();
  const walk = async (path: string, entryName: string, rel: string): Promise<void> => {
    if (opts.signal?.aborted) throw new Error('aborted');
    const st = await lstat(path).catch(() => undefined);
    if (!st) return; // vanished while we walked
    const h = headerFor(entryName, st);
    if (st.isDirectory()) {
      h.type = 'directory';
      h.name = entryName.endsWith('/') ? entryName : entryName + '/';
      // The unnamed root (docker export) has no entry of its own.
      if (h.name !== '/') await addEntry(pack, h);
      if (opts.skipContents?.(rel)) return;
      const names = (await readdir(path).catch(() => [] as string[])).sort();
      const prefix = h.name === '/' ? '' : h.name;
      for (const n of names) await walk(join(path, n), prefix + n, rel ? `${rel}/${n}` : n);
      return;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first) {
        await addEntry(pack, { ...h, type: 'link', linkname: first });
        return;
      }
      links.set(key, entryName);
    }
    if (st.isSymbolicLink()) {
      await addEntry(pack, { ...h, type: 'symlink', linkname: await readlink(path) });
    } else if (st.isFile()) {
      h.size = st.size;
      const entry = pack.entry(h);
      await pipeline(exactly(path, st.size), entry);
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      await addEntry(pack, {
        ...h,
        type: st.isCharacterDevice() ? 'character-device' : 'block-device',
        devmajor: major(st.rdev),
        devminor: minor(st.rdev),
      });
    } else if (st.isFIFO()) {
      await addEntry(pack, { ...h, type: 'fifo' });
    }
    // Sockets are not archived (as in docker).
  };
  await walk(hostPath, name, '');
}
