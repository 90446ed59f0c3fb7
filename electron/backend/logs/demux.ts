// docker's multiplexed stdio stream ("stdcopy"): each frame is an 8-byte header — stream type
// (0 stdin, 1 stdout, 2 stderr, 3 engine error), three zero bytes, payload size (uint32 big-endian) —
// followed by the payload. Logs and attach use it when the container has no TTY.

export type OutputStream = 'stdout' | 'stderr';

/**
 * Splits a multiplexed byte stream into payload pieces. Headers and payloads may be cut anywhere by
 * the transport; a payload that spans reads is delivered in pieces, in order.
 */
export class StdcopyDemuxer {
  private readonly header = Buffer.alloc(8);
  private headerLength = 0;
  private remaining = 0;
  private stream: OutputStream = 'stdout';

  constructor(private readonly onPayload: (stream: OutputStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - at);
        this.remaining -= n;
        this.onPayload(this.stream, chunk.subarray(at, at + n));
        at += n;
        continue;
      }
      const n = Math.min(8 - this.headerLength, chunk.length - at);
      chunk.copy(this.header, this.headerLength, at, at + n);
      this.headerLength += n;
      at += n;
      if (this.headerLength === 8) {
        this.headerLength = 0;
        this.stream = this.header[0] === 2 || this.header[0] === 3 ? 'stderr' : 'stdout';
        this.remaining = this.header.readUInt32BE(4);
      }
    }
  }
}
