// Moving bytes in and out of a volume across the bridge in bounded chunks, one client's transfers at a
// time (kept in its session, so a closed window releases them):
// - a download holds a helper container and the archive stream from the engine, read a chunk per call;
// - an import appends chunks to a private temp file, then streams it in one PUT /archive.
// Nothing holds more than one chunk in memory.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import { VOLUME_CHUNK_BYTES, type DownloadChunk, type DownloadInfo } from '../../contract/volumes.js';
import type { BackendContext } from '../context.js';
import { HandlerError } from '../errors.js';
import { ChunkReader, type ByteSource } from './chunks.js';
import { createHelper, HELPER_MOUNT, withHelper, type Helper } from './helper.js';

const SESSION_KEY = 'volumes.transfers';
/** Open transfers per client and kind. */
const MAX_OPEN = 4;
/** A transfer nobody touched for this long is abandoned (a client that vanished mid-way). */
const IDLE_MS = 10 * 60 * 1000;

/** A path inside the volume as a path inside the helper (never above /volume). */
export function helperPath(path: string): string {
  return posix.join(HELPER_MOUNT, posix.normalize(`/${path}`));
}

interface Transfer {
  touched: number;
  /** Serializes calls on one transfer. */
  queue: Promise<unknown>;
  close(): Promise<void>;
}

interface Download extends Transfer {
  reader: ChunkReader;
  bytes: number;
}

interface Import extends Transfer {
  volume: string;
  file: string;
  fh: FileHandle;
  bytes: number;
}

function notFound(id: string): HandlerError {
  return new HandlerError(`no transfer ${id} (finished, cancelled or idle too long)`, 404);
}

/**
 * The first entry of a tar stream, which must be a regular file. `finish()` releases the archive
 * (after the body was read or abandoned).
 */
async function firstFile(
  archive: Readable,
  path: string,
): Promise<{ body: ByteSource; size: number; finish(): Promise<void> }> {
  const tar = extract();
  archive.on('error', (err) => tar.destroy(err));
  archive.pipe(tar);
  const it = tar[Symbol.asyncIterator]();
  const finish = async () => {
    tar.destroy();
    archive.destroy();
  };
  const first = await it.next();
  if (first.done) throw new HandlerError(`${path} is empty`, 500);
  const entry = first.value;
  if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
    entry.resume();
    void finish();
    throw new HandlerError(`${path} is not a regular file; download its folder as a tar instead`, 400);
  }
  return { body: entry as unknown as ByteSource, size: entry.header.size ?? 0, finish };
}

export class VolumeTransfers {
  private readonly downloads = new Map<string, Download>();
  private readonly imports = new Map<string, Import>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor() {
    this.timer = setInterval(() => this.sweep(), 60_000);
    this.timer.unref?.();
  }

  static of(ctx: BackendContext): VolumeTransfers {
    let t = ctx.session.get(SESSION_KEY) as VolumeTransfers | undefined;
    if (!t) {
      t = new VolumeTransfers();
      ctx.session.set(SESSION_KEY, t);
    }
    return t;
  }

  private run<T, X extends Transfer>(map: Map<string, X>, id: string, fn: (t: X) => Promise<T>): Promise<T> {
    const t = map.get(id);
    if (!t) return Promise.reject(notFound(id));
    t.touched = Date.now();
    const next = t.queue.then(() => {
      if (map.get(id) !== t) throw notFound(id);
      return fn(t);
    });
    t.queue = next.catch(() => undefined);
    return next;
  }

  async startDownload(
    docker: Docker,
    volume: string,
    path: string,
    format: 'file' | 'tar',
  ): Promise<DownloadInfo> {
    if (this.downloads.size >= MAX_OPEN) throw new HandlerError('too many downloads at once', 429);
    const inner = helperPath(path);
    const helper: Helper = await createHelper(docker, volume, { readOnly: true });
    let reader: ChunkReader;
    let finish: () => Promise<void> = async () => undefined;
    let info: DownloadInfo;
    const id = randomBytes(12).toString('hex');
    try {
      // `dir/.` archives the directory's contents with names relative to it (./a, ./b).
      const archivePath = format === 'tar' ? `${inner.replace(/\/$/, '')}/.` : inner;
      const archive = (await helper.container.getArchive({ path: archivePath })) as unknown as Readable;
      if (format === 'file') {
        const file = await firstFile(archive, path);
        reader = new ChunkReader(file.body);
        finish = file.finish;
        const size = file.size;
        info = { id, fileName: posix.basename(inner), size };
      } else {
        reader = new ChunkReader(archive);
        const base = posix.normalize(`/${path}`) === '/' ? '' : `-${posix.basename(inner)}`;
        info = { id, fileName: `${volume}${base}.tar`, size: null };
      }
    } catch (err) {
      await helper.remove().catch(() => undefined);
      throw err;
    }
    const download: Download = {
      touched: Date.now(),
      queue: Promise.resolve(),
      reader,
      bytes: 0,
      close: async () => {
        this.downloads.delete(id);
        void (async () => {
          await reader.close();
          await finish();
          await helper.remove().catch(() => undefined);
        })();
      },
    };
    this.downloads.set(id, download);
    return info;
  }

  read(id: string): Promise<DownloadChunk> {
    return this.run(this.downloads, id, async (d) => {
      try {
        const { data, done } = await d.reader.read(VOLUME_CHUNK_BYTES);
        d.bytes += data.length;
        if (done) await d.close();
        return { data: data.toString('base64'), bytes: d.bytes, done };
      } catch (err) {
        await d.close();
        throw err;
      }
    });
  }

  async cancelDownload(id: string): Promise<void> {
    await this.downloads.get(id)?.close();
  }

  async startImport(docker: Docker, volume: string, create: boolean): Promise<{ id: string }> {
    if (this.imports.size >= MAX_OPEN) throw new HandlerError('too many imports at once', 429);
    try {
      await docker.getVolume(volume).inspect();
    } catch (err) {
      if (!create || (err as { statusCode?: number }).statusCode !== 404) throw err;
      await docker.createVolume({ Name: volume });
    }
    const dir = await mkdtemp(join(tmpdir(), 'berth-volume-import-'));
    const file = join(dir, 'import.tar');
    const fh = await open(file, 'wx', 0o600);
    const id = randomBytes(12).toString('hex');
    const imp: Import = {
      touched: Date.now(),
      queue: Promise.resolve(),
      volume,
      file,
      fh,
      bytes: 0,
      close: async () => {
        this.imports.delete(id);
        await fh.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
    this.imports.set(id, imp);
    return { id };
  }

  chunk(id: string, offset: number, data: string): Promise<{ bytes: number }> {
    return this.run(this.imports, id, async (imp) => {
      if (offset !== imp.bytes) {
        throw new HandlerError(`chunk at offset ${offset}, expected ${imp.bytes}`, 409);
      }
      const buf = Buffer.from(data, 'base64');
      if (buf.length > VOLUME_CHUNK_BYTES) throw new HandlerError('chunk too large', 400);
      await imp.fh.write(buf);
      imp.bytes += buf.length;
      return { bytes: imp.bytes };
    });
  }

  finishImport(docker: Docker, id: string): Promise<{ bytes: number }> {
    return this.run(this.imports, id, async (imp) => {
      try {
        await imp.fh.close();
        if (imp.bytes === 0) throw new HandlerError('the tar is empty', 400);
        await withHelper(docker, imp.volume, { readOnly: false }, (helper) =>
          helper.container.putArchive(createReadStream(imp.file), { path: HELPER_MOUNT }),
        );
        return { bytes: imp.bytes };
      } finally {
        await imp.close();
      }
    });
  }

  async cancelImport(id: string): Promise<void> {
    await this.imports.get(id)?.close();
  }

  private sweep(): void {
    const now = Date.now();
    for (const t of [...this.downloads.values(), ...this.imports.values()]) {
      if (now - t.touched > IDLE_MS) void t.close();
    }
  }

  /** The client went away. */
  dispose(): void {
    clearInterval(this.timer);
    for (const t of [...this.downloads.values(), ...this.imports.values()]) void t.close();
  }
}
