/**
 * A Readable yielding exactly one blob's bytes, verified against its digest and size. When the
 * connection drops or stalls, it reconnects with `Range: bytes=<received>-` and continues the same
 * hash, so a resumed download costs no re-read. It errors instead of ending when the bytes are wrong.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { SystemError } from '../errors.js';

export interface BlobStreamOptions {
  digest: string;
  size: number;
  /** The first response (status 200), already open. */
  first: IncomingMessage;
  /** Opens the blob again from `offset` (with a Range header); resolves with a 200 or 206 response. */
  reconnect: (offset: number, signal: AbortSignal) => Promise<IncomingMessage>;
  stallTimeoutMs: number;
  /** Consecutive failed attempts (without progress) before giving up. */
  retries: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Called before each reconnect (for logs/tests). */
  onRetry?: (offset: number, reason: Error) => void;
}

/** The bytes did not hash to the expected digest, or their count was wrong. */
export class BlobVerificationError extends SystemError {}

export function hashAlgorithm(digest: string): string {
  const algo = digest.slice(0, digest.indexOf(':'));
  if (algo !== 'sha256' && algo !== 'sha384' && algo !== 'sha512') {
    throw new SystemError(`unsupported digest algorithm in ${digest}`);
  }
  return algo;
}

export class VerifiedBlobStream extends Readable {
  private readonly hash: Hash;
  private received = 0;
  private res: IncomingMessage | undefined;
  /** Bytes of the current response to drop (server ignored our Range). */
  private skip = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private progressThisAttempt = false;
  private attemptAbort = new AbortController();
  private finished = false;
  /** Fails the current attempt (and reconnects); set per response. */
  private failCurrent: ((err: Error) => void) | undefined;
  private readonly onOuterAbort = () => this.destroy(abortError(this.opts.signal));

  constructor(private readonly opts: BlobStreamOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.hash = createHash(hashAlgorithm(opts.digest));
    if (opts.signal?.aborted) {
      opts.first.destroy();
      process.nextTick(() => this.destroy(abortError(opts.signal)));
      return;
    }
    opts.signal?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.attach(opts.first, 0);
  }

  get bytesReceived(): number {
    return this.received;
  }

  override _read(): void {
    if (this.res && this.res.isPaused()) {
      this.res.resume();
      this.armStall();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.finished = true;
    this.clearStall();
    this.opts.signal?.removeEventListener('abort', this.onOuterAbort);
    this.attemptAbort.abort();
    this.res?.destroy();
    this.res = undefined;
    cb(err);
  }

  private attach(res: IncomingMessage, skip: number): void {
    this.res = res;
    this.skip = skip;
    this.progressThisAttempt = false;
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.res !== res) return;
      failed = true;
      this.clearStall();
      res.destroy();
      this.retry(err);
    };
    res.on('data', (chunk: Buffer) => this.onData(res, chunk));
    res.on('end', () => {
      if (this.res !== res || failed) return;
      this.clearStall();
      if (this.received >= this.opts.size) return this.complete();
      if (res.complete && this.skip === 0) {
        // The server finished its answer cleanly: the blob really is shorter than its descriptor says.
        return this.fatal(
          new BlobVerificationError(
            `failed to verify blob ${this.opts.digest}: size mismatch: got ${this.received} of ${this.opts.size} bytes`,
          ),
        );
      }
      fail(new Error('connection closed before the blob was complete'));
    });
    res.on('error', (err) => fail(err));
    res.on('aborted', () => fail(new Error('connection aborted')));
    res.on('close', () => {
      if (!res.complete && this.res === res && !this.finished) fail(new Error('connection closed'));
    });
    this.failCurrent = fail;
    this.armStall();
  }

  private onData(res: IncomingMessage, chunk: Buffer): void {
    if (this.res !== res || this.finished) return;
    this.armStall();
    if (this.skip > 0) {
      if (chunk.length <= this.skip) {
        this.skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skip);
      this.skip = 0;
    }
    if (this.received + chunk.length > this.opts.size) {
      this.fatal(
        new BlobVerificationError(
          `failed to verify blob ${this.opts.digest}: size mismatch: got more than the expected ${this.opts.size} bytes`,
        ),
      );
      return;
    }
    this.received += chunk.length;
    this.progressThisAttempt = true;
    this.hash.update(chunk);
    this.opts.onProgress?.(this.received);
    if (!this.push(chunk)) {
      res.pause();
      // Backpressure is not a stall: the timer restarts when the consumer asks for more.
      this.clearStall();
    }
  }

  private complete(): void {
    const got = `${hashAlgorithm(this.opts.digest)}:${this.hash.digest('hex')}`;
    if (got !== this.opts.digest) {
      this.fatal(
        new BlobVerificationError(`failed to verify blob ${this.opts.digest}: digest mismatch: got ${got}`),
      );
      return;
    }
    this.finished = true;
    this.res = undefined;
    this.opts.signal?.removeEventListener('abort', this.onOuterAbort);
    this.push(null);
  }

  private fatal(err: Error): void {
    this.res?.destroy();
    this.res = undefined;
    this.destroy(err);
  }

  private armStall(): void {
    this.clearStall();
    const res = this.res;
    if (!res) return;
    this.stallTimer = setTimeout(() => {
      if (this.res === res)
        this.failCurrent?.(new Error(`no data received for ${Math.round(this.opts.stallTimeoutMs / 1000)}s`));
    }, this.opts.stallTimeoutMs);
    this.stallTimer.unref?.();
  }

  private clearStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private retry(reason: Error): void {
    if (this.finished) return;
    this.res = undefined;
    this.failures = this.progressThisAttempt ? 1 : this.failures + 1;
    this.progressThisAttempt = false;
    if (this.failures > this.opts.retries) {
      this.destroy(
        new SystemError(
          `failed to download blob ${this.opts.digest} after ${this.received} of ${this.opts.size} bytes: ${reason.message}`,
        ),
      );
      return;
    }
    this.opts.onRetry?.(this.received, reason);
    const offset = this.received;
    this.attemptAbort = new AbortController();
    const signal = this.attemptAbort.signal;
    // Back off a little on repeated failures without progress.
    const delay = this.failures > 1 ? Math.min(200 * 2 ** (this.failures - 2), 3000) : 0;
    setTimeout(() => {
      if (this.finished) return;
      this.opts
        .reconnect(offset, signal)
        .then((res) => {
          if (this.finished) {
            res.destroy();
            return;
          }
          let skip = 0;
          if (res.statusCode === 200) skip = offset;
          else {
            const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
            if (start && Number(start[1]) !== offset) {
              res.destroy();
              this.retry(new Error(`registry answered an unexpected range ${res.headers['content-range']}`));
              return;
            }
          }
          this.attach(res, skip);
        })
        .catch((err: Error) => {
          if (this.finished) return;
          const status = (err as Error & { status?: number }).status;
          if (err instanceof BlobVerificationError || (status !== undefined && status < 500)) {
            this.destroy(err);
            return;
          }
          this.retry(err);
        });
    }, delay);
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}
