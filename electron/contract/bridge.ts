// The bridge the renderer sees (window.berth in Electron, a WebSocket client in a browser), and the
// client half of the message protocol that implements it over any transport.
import type { BridgeError, ClientMessage, Result, ServerMessage } from './envelope.js';
import type { MethodArgs, MethodName, MethodResult, TopicArgs, TopicEvent, TopicName } from './index.js';

export interface SubscriptionHandlers<E> {
  onEvent(event: E): void;
  /** Called once when the stream ends: by the server (with an error if it failed) or by close(). */
  onEnd?(error?: BridgeError): void;
}

export interface Subscription {
  close(): void;
}

export interface BerthBridge {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>>;
  subscribe<T extends TopicName>(
    topic: T,
    args: TopicArgs<T>,
    handlers: SubscriptionHandlers<TopicEvent<T>>,
  ): Subscription;
}

/**
 * Turns a message transport into a BerthBridge. `send` delivers one message to the server; the owner
 * feeds every server message to `receive`, and calls `disconnected` when the transport drops (pending
 * calls then fail and open subscriptions end with an engine-unreachable error).
 */
export class BridgeClient implements BerthBridge {
  private nextId = 1;
  private readonly calls = new Map<number, (r: Result<unknown>) => void>();
  private readonly subs = new Map<number, SubscriptionHandlers<unknown>>();

  constructor(private readonly send: (msg: ClientMessage) => void) {}

  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, resolve as (r: Result<unknown>) => void);
      try {
        this.send({ type: 'call', id, method, args });
      } catch (err) {
        this.calls.delete(id);
        resolve({ ok: false, error: { message: String(err), code: 'engine-unreachable' } });
      }
    });
  }

  subscribe<T extends TopicName>(
    topic: T,
    args: TopicArgs<T>,
    handlers: SubscriptionHandlers<TopicEvent<T>>,
  ): Subscription {
    const id = this.nextId++;
    this.subs.set(id, handlers as SubscriptionHandlers<unknown>);
    try {
      this.send({ type: 'subscribe', id, topic, args });
    } catch (err) {
      this.subs.delete(id);
      queueMicrotask(() => handlers.onEnd?.({ message: String(err), code: 'engine-unreachable' }));
    }
    return {
      close: () => {
        const h = this.subs.get(id);
        if (!h) return;
        this.subs.delete(id);
        try {
          this.send({ type: 'unsubscribe', id });
        } catch {
          // The transport is gone; nothing to tell the server.
        }
        h.onEnd?.();
      },
    };
  }

  receive(msg: ServerMessage): void {
    switch (msg.type) {
      case 'result': {
        const resolve = this.calls.get(msg.id);
        this.calls.delete(msg.id);
        resolve?.(msg.result);
        break;
      }
      case 'event':
        this.subs.get(msg.id)?.onEvent(msg.event);
        break;
      case 'end': {
        const h = this.subs.get(msg.id);
        this.subs.delete(msg.id);
        h?.onEnd?.(msg.error);
        break;
      }
    }
  }

  disconnected(reason: string): void {
    const error: BridgeError = { message: reason, code: 'engine-unreachable' };
    for (const resolve of this.calls.values()) resolve({ ok: false, error });
    this.calls.clear();
    const subs = [...this.subs.values()];
    this.subs.clear();
    for (const h of subs) h.onEnd?.(error);
  }
}
