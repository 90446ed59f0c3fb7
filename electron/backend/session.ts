// The server half of the bridge protocol, for one client (one window, one browser tab): checks each
// message, validates arguments against the contract, runs the handler, and streams subscriptions.
import type { ClientMessage, ServerMessage } from '../contract/envelope.js';
import { methods, topics } from '../contract/index.js';
import type { Backend, BackendContext } from './context.js';
import { toBridgeError } from './errors.js';
import { methodHandlers, topicHandlers } from './handlers/index.js';

type AnyMethod = (args: unknown, ctx: BackendContext) => Promise<unknown>;
type AnyTopic = (
  args: unknown,
  ctx: BackendContext,
  emit: (e: unknown) => void,
  signal: AbortSignal,
) => Promise<void>;

const MAX_ID = Number.MAX_SAFE_INTEGER;

export class BridgeSession {
  private readonly subs = new Map<number, AbortController>();
  private readonly ctx: BackendContext;
  private closed = false;

  constructor(
    backend: Backend,
    private readonly send: (msg: ServerMessage) => void,
  ) {
    this.ctx = { ...backend, docker: () => backend.connections.docker(), session: new Map() };
  }

  /** Handles one message from the client. Malformed messages are answered when they carry an id, else dropped. */
  receive(raw: unknown): void {
    if (this.closed) return;
    const msg = raw as Partial<ClientMessage>;
    if (
      !msg ||
      typeof msg !== 'object' ||
      !Number.isInteger(msg.id) ||
      (msg.id as number) < 0 ||
      (msg.id as number) > MAX_ID
    ) {
      return;
    }
    const id = msg.id as number;
    switch (msg.type) {
      case 'call':
        void this.call(id, (msg as { method: unknown }).method, (msg as { args: unknown }).args);
        return;
      case 'subscribe':
        void this.subscribe(id, (msg as { topic: unknown }).topic, (msg as { args: unknown }).args);
        return;
      case 'unsubscribe':
        this.subs.get(id)?.abort();
        this.subs.delete(id);
        return;
    }
  }

  private out(msg: ServerMessage) {
    if (this.closed) return;
    try {
      this.send(msg);
    } catch {
      // The transport is gone; close() follows.
    }
  }

  private async call(id: number, method: unknown, args: unknown) {
    if (typeof method !== 'string' || !Object.hasOwn(methods, method)) {
      this.out({
        type: 'result',
        id,
        result: { ok: false, error: { message: `unknown method ${String(method)}`, code: 'unknown-method' } },
      });
      return;
    }
    const def = methods[method as keyof typeof methods];
    const parsed = def.args.safeParse(args ?? {});
    if (!parsed.success) {
      this.out({
        type: 'result',
        id,
        result: {
          ok: false,
          error: { message: describeIssues(method, parsed.error), code: 'invalid-argument', status: 400 },
        },
      });
      return;
    }
    try {
      const handler = (methodHandlers as Record<string, AnyMethod>)[method];
      const value = await handler(parsed.data, this.ctx);
      this.out({ type: 'result', id, result: { ok: true, value } });
    } catch (err) {
      this.out({ type: 'result', id, result: { ok: false, error: toBridgeError(err) } });
    }
  }

  private async subscribe(id: number, topic: unknown, args: unknown) {
    if (this.subs.has(id)) return;
    if (typeof topic !== 'string' || !Object.hasOwn(topics, topic)) {
      this.out({
        type: 'end',
        id,
        error: { message: `unknown topic ${String(topic)}`, code: 'unknown-topic' },
      });
      return;
    }
    const def = topics[topic as keyof typeof topics];
    const parsed = def.args.safeParse(args ?? {});
    if (!parsed.success) {
      this.out({
        type: 'end',
        id,
        error: { message: describeIssues(topic, parsed.error), code: 'invalid-argument', status: 400 },
      });
      return;
    }
    const abort = new AbortController();
    this.subs.set(id, abort);
    const emit = (event: unknown) => {
      if (!abort.signal.aborted) this.out({ type: 'event', id, event });
    };
    try {
      const handler = (topicHandlers as Record<string, AnyTopic>)[topic];
      await handler(parsed.data, this.ctx, emit, abort.signal);
      if (!abort.signal.aborted) this.out({ type: 'end', id });
    } catch (err) {
      if (!abort.signal.aborted) this.out({ type: 'end', id, error: toBridgeError(err) });
    } finally {
      this.subs.delete(id);
    }
  }

  /** The client went away: stop every stream and release per-client state. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.subs.values()) abort.abort();
    this.subs.clear();
    for (const value of this.ctx.session.values()) {
      (value as { dispose?: () => void })?.dispose?.();
    }
    this.ctx.session.clear();
  }
}

function describeIssues(name: string, error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const parts = error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message));
  return `invalid arguments for ${name}: ${parts.join('; ')}`;
}
