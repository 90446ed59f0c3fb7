// Pulls a stream in bounded pieces: each read() takes at most `max` bytes from the source and asks it
// for more only when needed, so a slow reader holds back the engine instead of filling memory.

/** A Node or streamx readable: iterable, and destroyable to stop it. */
export interface ByteSource extends AsyncIterable<Buffer | Uint8Array | string> {
  destroy(err?: Error): void;
}

export class ChunkReader {
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;
  private pending: Buffer | null = null;
  private ended = false;

  constructor(private readonly source: ByteSource) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes; `done` once the source has ended and everything was returned. */
  async read(max: number): Promise<{ data: Buffer; done: boolean }> {
    const parts: Buffer[] = [];
    let n = 0;
    while (n < max && !this.ended) {
      let buf = this.pending;
      this.pending = null;
      if (!buf) {
        const r = await this.it.next();
        if (r.done) {
          this.ended = true;
          break;
        }
        buf = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      }
      if (n + buf.length > max) {
        parts.push(buf.subarray(0, max - n));
        this.pending = buf.subarray(max - n);
        n = max;
      } else {
        parts.push(buf);
        n += buf.length;
      }
    }
    return { data: Buffer.concat(parts, n), done: this.ended && this.pending === null };
  }

  /** Stops reading and releases the source. */
  async close(): Promise<void> {
    this.pending = null;
    if (this.ended) return;
    this.ended = true;
    this.source.destroy();
  }
}
