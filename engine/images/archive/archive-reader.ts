/**
 * Reads an image archive (`docker save` output, plain or compressed) as one stream. Small metadata
 * files (`*.json`, `repositories`, `oci-layout`, …) are kept in memory; everything else streams into
 * the content store under a lease (blobs named `blobs/sha256/<hex>` verified against their name), so
 * nothing is spooled twice and a multi-GB archive never sits in memory.
 *
 * Hostile archives are refused: absolute names, `..`, device nodes, and links that leave the archive
 * or point nowhere. Links inside the archive (older docker saves link shared `layer.tar` files) are
 * resolved to the file they name.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { Engine } from '../../engine.js';
import { autoDecompress } from '../../store/compression.js';
import { TarReader } from '../../store/tar-reader.js';
import { isSha256Digest, newHash } from '../../store/digest.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Lease } from '../leases.js';

export interface ArchiveFile {
  /** The file's bytes, for small metadata files. */
  data?: Buffer;
  /** Its digest in the content store, for everything else. */
  digest?: string;
  size: number;
}

/** Largest metadata file kept in memory. */
const MAX_META = 32 << 20;
const META_NAMES = new Set(['repositories', 'oci-layout', 'VERSION', 'json']);
const MAX_LINK_HOPS = 16;

export function badArchive(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid image archive: ${why}`);
}

/** Splits an archive path into clean components; refuses absolute paths and `..`. */
export function archivePath(name: string): string {
  if (name.includes('\0')) throw badArchive(`entry name contains a NUL byte`);
  if (name.startsWith('/')) throw badArchive(`absolute path ${JSON.stringify(name)}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw badArchive(`path ${JSON.stringify(name)} leaves the archive`);
  return parts.join('/');
}

function isMeta(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.endsWith('.json') || META_NAMES.has(base);
}

/** Reads the whole archive; returns its files by clean path. Blobs written are added to `lease`. */
export async function readArchive(
  engine: Engine,
  source: Readable,
  lease: Lease,
  signal?: AbortSignal,
): Promise<Map<string, ArchiveFile>> {
  const input = autoDecompress();
  source.on('error', (err) => input.destroy(err));
  source.pipe(input);
  const reader = new TarReader(input, () => undefined);
  const files = new Map<string, ArchiveFile>();
  const links = new Map<string, { target: string; symbolic: boolean }>();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const h = await reader.next();
      if (!h) break;
      const path = archivePath(h.name);
      switch (h.type) {
        case 'dir':
          break;
        case 'file':
          links.delete(path);
          files.set(path, await readFile(engine, reader, path, h.size, lease));
          break;
        case 'symlink':
        case 'link':
          files.delete(path);
          links.set(path, { target: h.linkname, symbolic: h.type === 'symlink' });
          break;
        default:
          throw badArchive(`${h.type} entry ${JSON.stringify(h.name)} is not allowed`);
      }
    }
  } catch (err) {
    source.unpipe(input);
    input.destroy();
    source.resume(); // drain the rest of the request so the error response can go out
    throw err;
  }
  for (const [path, link] of links) files.set(path, resolveLink(path, link, files, links));
  return files;
}

async function readFile(
  engine: Engine,
  reader: TarReader,
  path: string,
  size: number,
  lease: Lease,
): Promise<ArchiveFile> {
  if (isMeta(path) && !path.startsWith('blobs/')) {
    if (size > MAX_META) throw badArchive(`${path} is too large (${size} bytes)`);
    const chunks: Buffer[] = [];
    for await (const c of reader.data()) chunks.push(Buffer.from(c));
    return { data: Buffer.concat(chunks), size };
  }
  const m = /^blobs\/sha256\/([^/]+)$/.exec(path);
  const expected = m ? `sha256:${m[1]}` : undefined;
  if (expected && !isSha256Digest(expected))
    throw badArchive(`blob name ${JSON.stringify(path)} is not a sha256 digest`);
  if (expected) {
    lease.addBlob(expected);
    if ((await engine.content.size(expected)) === size) {
      // Already stored (and verified when it was): skip the bytes.
      for await (const _ of reader.data()) void _;
      return { digest: expected, size };
    }
  }
  const ingest = engine.content.ingest(expected ? { digest: expected, size } : undefined);
  const hash = newHash();
  try {
    for await (const chunk of reader.data()) {
      hash.update(chunk);
      if (!ingest.write(chunk)) await once(ingest, 'drain');
    }
  } catch (err) {
    await ingest.abort();
    throw err;
  }
  const digest = 'sha256:' + hash.digest('hex');
  // Lease before the blob becomes visible so GC running meanwhile cannot sweep it.
  lease.addBlob(digest);
  try {
    await ingest.commit();
  } catch (err) {
    throw badArchive(`${path}: ${(err as Error).message}`);
  }
  return { digest, size };
}

/** Follows a (sym)link to the regular file it names inside the archive. */
function resolveLink(
  path: string,
  first: { target: string; symbolic: boolean },
  files: Map<string, ArchiveFile>,
  links: Map<string, { target: string; symbolic: boolean }>,
): ArchiveFile {
  let current = path;
  let link: { target: string; symbolic: boolean } | undefined = first;
  for (let hop = 0; link && hop < MAX_LINK_HOPS; hop++) {
    const { target, symbolic } = link;
    if (target.startsWith('/'))
      throw badArchive(`link ${JSON.stringify(current)} points to an absolute path`);
    // A symlink is relative to its directory; a hard link names a path from the archive root.
    const base = symbolic ? current.split('/').slice(0, -1) : [];
    const parts = [...base];
    for (const p of target.split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') {
        if (parts.length === 0)
          throw badArchive(`link ${JSON.stringify(current)} points outside the archive`);
        parts.pop();
      } else parts.push(p);
    }
    current = parts.join('/');
    const file = files.get(current);
    if (file) return file;
    link = links.get(current);
  }
  throw badArchive(`link ${JSON.stringify(path)} does not point to a file in the archive`);
}
