import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncDir } from './atomic-file.js';
import { hexOf, isSha256Digest, newHash } from './digest.js';
import { SystemError, NotFoundError } from '../errors.js';

export interface BlobExpectation {
  digest: string;
  size?: number;
  /**
   * The source checks the digest itself and fails before its end if the bytes are wrong (the
   * registry client's verified blob stream): the ingest then skips hashing them a second time.
   */
  verifiedBySource?: boolean;
}

/**
 * Content-addressed blobs under `blobs/sha256/<hex>`. Writers stream into `ingest/`, the digest is
 * checked, the file fsynced and only then renamed into place: a visible blob is always whole and
 * correct. Leftover ingests (a crash mid-write) are removed by `init`.
 */
export class ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await rm(this.ingestDir, { recursive: true, force: true });
    await mkdir(this.ingestDir, { recursive: true });
  }

  path(digest: string): string {
    return join(this.blobDir, hexOf(digest));
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  async has(digest: string): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch {
      throw new NotFoundError(`content ${digest}: not found`);
    }
  }

  async readJSON<T>(digest: string): Promise<T> {
    return JSON.parse((await this.read(digest)).toString('utf8')) as T;
  }

  openRead(digest: string): ReadStream {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  /** Stores `data`; returns its digest. Verifies it against `expected` when given. */
  async put(data: Buffer, expected?: BlobExpectation): Promise<string> {
    const ingest = this.ingest(expected);
    ingest.write(data);
    return ingest.commit();
  }

  /** Streams `source` into the store. */
  async putStream(source: Readable, expected?: BlobExpectation): Promise<string> {
    const ingest = this.ingest(expected);
    try {
      await pipeline(source, ingest);
    } catch (err) {
      await ingest.abort();
      throw err;
    }
    return ingest.commit();
  }

  /**
   * A writable that hashes as it writes; `commit()` verifies and publishes the blob. `tmpPath` (from
   * `newIngestPath`) lets another process write the ingest while this one can still remove it.
   */
  ingest(expected?: BlobExpectation, tmpPath = this.newIngestPath()): Ingest {
    return new Ingest(tmpPath, this, expected);
  }

  /** A fresh temporary path in the ingest directory (removed by `init` if left behind). */
  newIngestPath(): string {
    return join(this.ingestDir, randomBytes(12).toString('hex'));
  }

  /** @internal called by Ingest once the data is verified and synced. */
  async publish(tmp: string, digest: string): Promise<void> {
    await rename(tmp, this.path(digest));
    await fsyncDir(this.blobDir);
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.blobDir);
    return names.map((h) => `sha256:${h}`).filter(isSha256Digest);
  }
}

export class Ingest extends Writable {
  private readonly hash = newHash();
  private bytes = 0;
  private file: ReturnType<typeof createWriteStream>;
  private committed = false;

  constructor(
    private readonly tmpPath: string,
    private readonly store: ContentStore,
    private readonly expected?: BlobExpectation,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.file = createWriteStream(tmpPath, { mode: 0o644 });
    this.file.on('error', (err) => this.destroy(err));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.expected?.verifiedBySource) this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.expected?.size !== undefined && this.bytes > this.expected.size) {
      cb(
        new SystemError(
          `blob ${this.expected.digest}: more data than the expected ${this.expected.size} bytes`,
        ),
      );
      return;
    }
    if (this.file.write(chunk)) cb();
    else this.file.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.file.end(() => cb());
  }

  /** Ends the write if needed, verifies digest and size, fsyncs and renames into the store. */
  async commit(): Promise<string> {
    if (this.committed) throw new Error('ingest already committed');
    this.committed = true;
    if (!this.writableFinished) {
      await new Promise<void>((resolve, reject) => {
        this.once('error', reject);
        this.end(() => resolve());
      });
    }
    const digest = this.expected?.verifiedBySource
      ? this.expected.digest
      : 'sha256:' + this.hash.digest('hex');
    try {
      const exp = this.expected;
      if (exp && exp.digest !== digest) {
        throw new SystemError(`failed to verify ${exp.digest}: digest mismatch (got ${digest})`);
      }
      if (exp?.size !== undefined && exp.size !== this.bytes) {
        throw new SystemError(
          `failed to verify ${exp.digest}: size ${this.bytes} does not match ${exp.size}`,
        );
      }
      const fh = await open(this.tmpPath, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.store.publish(this.tmpPath, digest);
      return digest;
    } catch (err) {
      await rm(this.tmpPath, { force: true });
      throw err;
    }
  }

  async abort(): Promise<void> {
    this.committed = true;
    this.destroy();
    this.file.destroy();
    await rm(this.tmpPath, { force: true });
  }
}
