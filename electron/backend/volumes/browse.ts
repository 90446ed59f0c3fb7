// Lists one directory of a volume from the tar the archive API sends for it. The tar holds the whole
// subtree, so it is read as a stream: only the directory's direct children are kept (bounded), and
// everything deeper only adds to the size of the child it sits under.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import type { VolumeEntry, VolumeEntryType, VolumeListing } from '../../contract/volumes.js';
import { HandlerError } from '../errors.js';

export interface ListOptions {
  /** Children kept at most; more set `truncated`. */
  limit: number;
  /** Stop reading after this long (a huge volume) and return what was seen, `truncated`. */
  timeoutMs: number;
}

function entryType(h: Header): VolumeEntryType {
  switch (h.type) {
    case 'directory':
      return 'directory';
    case 'file':
    case 'contiguous-file':
    case 'link':
      return 'file';
    case 'symlink':
      return 'symlink';
    default:
      return 'other';
  }
}

/** Path components below the archive's top entry ("volume/a/b" → ["a", "b"]). */
function below(name: string): string[] {
  return name.replace(/^\.\//, '').split('/').filter(Boolean).slice(1);
}

/** Reads `archive` (the tar of directory `dir`) and lists the directory. */
export async function listFromArchive(
  archive: Readable,
  dir: string,
  opts: ListOptions,
): Promise<VolumeListing> {
  const children = new Map<string, VolumeEntry>();
  const sizes = new Map<string, number>();
  let truncated = false;
  let sawTop = false;
  const tar = extract();
  archive.on('error', (err) => tar.destroy(err));
  archive.pipe(tar);
  let ended = false;
  archive.once('end', () => (ended = true));
  // Ends the listing early.
  const stop = () => {
    if (ended) return;
    archive.unpipe(tar);
    tar.destroy();
    archive.destroy();
  };
  const timer = setTimeout(() => {
    truncated = true;
    stop();
  }, opts.timeoutMs);
  try {
    for await (const entry of tar) {
      const h = entry.header;
      entry.resume();
      const parts = below(h.name);
      if (parts.length === 0) {
        sawTop = true;
        if (h.type !== 'directory') throw new HandlerError(`${dir} is not a directory`, 400);
        continue;
      }
      const child = parts[0]!;
      const size = h.type === 'file' || h.type === 'contiguous-file' ? (h.size ?? 0) : 0;
      if (parts.length === 1) {
        if (!children.has(child)) {
          if (children.size >= opts.limit) {
            truncated = true;
            continue;
          }
          children.set(child, {
            name: child,
            path: posix.join(dir, child),
            type: entryType(h),
            size: 0,
            mode: (h.mode ?? 0) & 0o7777,
            mtime: h.mtime?.getTime() ?? 0,
            ...(h.type === 'symlink' && h.linkname ? { linkTarget: h.linkname } : {}),
          });
        }
      } else if (!children.has(child) && children.size < opts.limit) {
        // A tar without an entry for the directory itself.
        children.set(child, {
          name: child,
          path: posix.join(dir, child),
          type: 'directory',
          size: 0,
          mode: 0o755,
          mtime: 0,
        });
      }
      sizes.set(child, (sizes.get(child) ?? 0) + size);
    }
  } catch (err) {
    if (!truncated) throw err;
  } finally {
    clearTimeout(timer);
    stop();
  }
  if (!sawTop && children.size === 0 && !truncated)
    throw new HandlerError(`${dir} is empty or unreadable`, 500);
  const entries = [...children.values()].map((e) => ({ ...e, size: sizes.get(e.name) ?? 0 }));
  entries.sort(
    (a, b) =>
      Number(b.type === 'directory') - Number(a.type === 'directory') ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return { path: dir, entries, truncated };
}
