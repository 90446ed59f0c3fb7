/**
 * Builds image layers: tar bytes made with tar-stream exactly as given (names are not sanitized,
 * so hostile entries stay hostile), then gzip (zlib), zstd (the `zstd` CLI) or left plain.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';
import { run } from './processes.js';

export type EntryType =
  'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

export interface TarEntry {
  name: string;
  type?: EntryType;
  content?: Buffer | string;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  mtime?: Date;
}

export type Compression = 'gzip' | 'zstd' | 'none';

export interface BuiltLayer {
  blob: Buffer; // compressed bytes as stored in the registry
  tar: Buffer; // uncompressed tar
  digest: string; // sha256 of blob
  diffId: string; // sha256 of tar
  size: number; // blob length
  mediaType: string; // OCI media type for the compression
}

export const LAYER_MEDIA_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar',
};

/** Fixed mtime so layers (and so digests) are reproducible. */
export const FIXTURE_MTIME = new Date('2024-01-01T00:00:00Z');

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** Serializes entries into a tar archive, in order, without touching the names. */
export function buildTar(entries: TarEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pack = tarPack();
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    for (const e of entries) {
      const type = e.type ?? 'file';
      const content = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
      const header: Partial<Header> & { name: string } = {
        name: type === 'directory' && !e.name.endsWith('/') ? e.name + '/' : e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        uname: '',
        gname: '',
        mtime: e.mtime ?? FIXTURE_MTIME,
        linkname: e.linkname,
        devmajor: e.devmajor,
        devminor: e.devminor,
        size: content?.length ?? 0,
      };
      if (content) pack.entry(header, content);
      else pack.entry(header);
    }
    pack.finalize();
  });
}

export async function compress(data: Buffer, compression: Compression): Promise<Buffer> {
  if (compression === 'gzip') return gzipSync(data, { level: data.length > 16 << 20 ? 1 : 6 });
  if (compression === 'zstd') return (await run('zstd', ['-q', '-c', '-3', '-T0'], { input: data })).stdout;
  return data;
}

export async function buildLayer(
  entries: TarEntry[],
  compression: Compression = 'gzip',
): Promise<BuiltLayer> {
  const tarBytes = await buildTar(entries);
  return layerFromTar(tarBytes, compression);
}

export async function layerFromTar(tarBytes: Buffer, compression: Compression = 'gzip'): Promise<BuiltLayer> {
  const blob = await compress(tarBytes, compression);
  return {
    blob,
    tar: tarBytes,
    digest: sha256(blob),
    diffId: sha256(tarBytes),
    size: blob.length,
    mediaType: LAYER_MEDIA_TYPES[compression],
  };
}

/** Reads a tar archive into its entries (headers as stored, plus file contents). */
export function readTar(tarBytes: Buffer): Promise<Array<{ header: Header; content: Buffer }>> {
  return new Promise((resolve, reject) => {
    const out: Array<{ header: Header; content: Buffer }> = [];
    const ex = tarExtract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ header, content: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', () => resolve(out));
    ex.on('error', reject);
    ex.end(tarBytes);
  });
}
