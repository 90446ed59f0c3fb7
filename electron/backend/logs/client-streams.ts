// Per-client registry of open streams (log streams, terminal sessions), kept in `ctx.session` so the
// methods that steer a stream (ack, input, resize) find it by the id the client chose, and so
// everything still open is disposed when the client goes away.
import type { BackendContext } from '../context.js';
import { HandlerError } from '../errors.js';

export interface Disposable {
  dispose(): void;
}

export class ClientStreams<T extends Disposable> implements Disposable {
  private readonly open = new Map<string, T>();

  constructor(
    private readonly what: string,
    private readonly limit: number,
  ) {}

  add(id: string, stream: T): void {
    if (this.open.has(id))
      throw new HandlerError(`${this.what} ${id} is already open`, 409, 'invalid-argument');
    if (this.open.size >= this.limit)
      throw new HandlerError(`too many open ${this.what}s (at most ${this.limit})`, 429);
    this.open.set(id, stream);
  }

  /** Forgets `id` if it still names `stream` (a newer stream may have reused the id). */
  remove(id: string, stream: T): void {
    if (this.open.get(id) === stream) this.open.delete(id);
  }

  get(id: string): T | undefined {
    return this.open.get(id);
  }

  /** The stream named `id`, or a 404 the client can understand. */
  require(id: string): T {
    const s = this.open.get(id);
    if (!s) throw new HandlerError(`no open ${this.what} ${id}`, 404);
    return s;
  }

  get size(): number {
    return this.open.size;
  }

  dispose(): void {
    const all = [...this.open.values()];
    this.open.clear();
    for (const s of all) s.dispose();
  }
}

/** This client's registry for one feature, created on first use. */
export function clientStreams<T extends Disposable>(
  ctx: BackendContext,
  key: string,
  what: string,
  limit: number,
): ClientStreams<T> {
  let reg = ctx.session.get(key) as ClientStreams<T> | undefined;
  if (!reg) {
    reg = new ClientStreams<T>(what, limit);
    ctx.session.set(key, reg);
  }
  return reg;
}
