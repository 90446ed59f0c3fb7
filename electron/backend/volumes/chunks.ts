// Pulls a stream in bounded pieces: each read() takes at most `max` bytes from the source and asks it
// for more only when needed, so a slow reader holds back the engine instead of filling memory.
//
// Ending early drains instead of cutting the connection: Berth's engine (engine/containers/archive.ts,
// archivePath) crashes on an unhandled ERR_STREAM_PREMATURE_CLOSE when a client closes a
// GET /containers/{id}/archive response before its end. Reading the rest, for a bounded time, avoids it.

/** A Node or streamx readable: iterable, and destroyable to stop it. */
export interface ByteSource extends AsyncIterable<Buffer | Uint8Array | string> {
  destroy(err?: Error): void;
}

/** How long an abandoned engine stream is read (and discarded) before it is cut. */
export const DRAIN_MS = 60_000;

/** Reads an iterator to its end, discarding; cuts `source` if that takes longer than `ms`. */
export async function drainIterator(
  it: AsyncIterator<unknown>,
  source: { destroy(err?: Error): void },
  ms = DRAIN_MS,
  each?: (value: unknown) => void,
): Promise<void> {
  const timer = setTimeout(() => source.destroy(), ms);
  timer.unref?.();
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      each?.(r.value);
    }
  } catch {
    // cut or failed: either way it is over
  } finally {
    clearTimeout(timer);
  }
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

  /** Stops reading: whatever is left is drained (see the module comment), then the source is released. */
  async close(drainMs = DRAIN_MS): Promise<void> {
    this.pending = null;
    if (this.ended) return;
    this.ended = true;
    await drainIterator(this.it, this.source, drainMs);
  }
}
