// Credit-based flow control between a backend stream and one client: the client acknowledges the
// characters it has taken in, and the source is paused while too many are in flight. The bridge
// transports (WebSocket, Electron IPC) queue without limit, so without this a fast producer (a
// 100 MB log, `yes` in a terminal) would pile up in memory on the way and swamp the renderer.

export class FlowControl {
  private unacked = 0;
  private paused = false;

  /**
   * @param window characters in flight before `pause()` is called; `resume()` follows once the
   *   client has acknowledged enough to bring it under half of that.
   */
  constructor(
    private readonly window: number,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** Characters just sent to the client. */
  sent(chars: number): void {
    this.unacked += chars;
    if (!this.paused && this.unacked >= this.window) {
      this.paused = true;
      this.pause();
    }
  }

  /** Characters the client says it has taken in. */
  ack(chars: number): void {
    this.unacked = Math.max(0, this.unacked - chars);
    if (this.paused && this.unacked <= this.window / 2) {
      this.paused = false;
      this.resume();
    }
  }

  get inFlight(): number {
    return this.unacked;
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
