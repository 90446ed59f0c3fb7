// A terminal session's output on its way to the client: decoded as UTF-8 by streaming decoders (a
// multibyte character split between reads stays whole) and coalesced per event-loop tick, so a burst
// of reads becomes one message.
import type { OutputStream } from '../logs/demux.js';

/** Characters in one message at most; a fast producer gets several per tick. */
export const MAX_MESSAGE_CHARS = 256 * 1024;

export class OutputCoalescer {
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled: ReturnType<typeof setImmediate> | undefined;

  constructor(private readonly send: (data: string) => void) {}

  push(stream: OutputStream, bytes: Uint8Array): void {
    const text = this.decoders[stream].decode(bytes, { stream: true });
    if (!text) return;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= MAX_MESSAGE_CHARS) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.send(data);
  }

  /** The output is over: decode what the decoders hold back and send everything. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].decode();
      if (rest) this.pending.push(rest);
    }
    this.flush();
  }

  dispose(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.pending = [];
  }
}
