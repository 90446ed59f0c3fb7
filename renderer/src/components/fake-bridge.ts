// A scripted bridge for component tests (setBridge(fakeBridge({...}))): each method answers from
// `handlers`; calls are recorded.
import type { BerthBridge, MethodName, Result, SubscriptionHandlers } from '../bridge';

export type Handlers = Partial<Record<MethodName, (args: never) => unknown>>;

export function fakeBridge(handlers: Handlers): BerthBridge & { calls: { method: string; args: unknown }[] } {
  const calls: { method: string; args: unknown }[] = [];
  return {
    calls,
    call: (async (method: MethodName, args: unknown) => {
      calls.push({ method, args });
      const h = handlers[method] as ((a: unknown) => unknown) | undefined;
      if (!h) return { ok: false, error: { message: `no fake for ${method}` } };
      try {
        return { ok: true, value: await h(args) } as Result<unknown>;
      } catch (err) {
        const e = err as { message: string; status?: number };
        return { ok: false, error: { message: e.message, status: e.status } };
      }
    }) as BerthBridge['call'],
    subscribe: () => ({ close: () => undefined }),
  };
}

/** jsdom lacks <dialog>'s modal methods. */
export function polyfillDialog(): void {
  const proto = (globalThis as { HTMLDialogElement?: { prototype: HTMLDialogElement } }).HTMLDialogElement
    ?.prototype;
  if (proto && !proto.showModal) {
    proto.showModal = function (this: HTMLDialogElement) {
      this.setAttribute('open', '');
    };
    proto.close = function (this: HTMLDialogElement) {
      this.removeAttribute('open');
    };
  }
}

export interface RecordedSubscription {
  topic: string;
  args: Record<string, unknown>;
  handlers: SubscriptionHandlers<unknown>;
  closed: boolean;
}

/**
 * A bridge for views driven by subscriptions: every call answers ok (undefined) and is recorded; every
 * subscription is recorded with its handlers, so a test can push events through it.
 */
export function recordingBridge(): BerthBridge & {
  calls: { method: string; args: Record<string, unknown> }[];
  subs: RecordedSubscription[];
} {
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  const subs: RecordedSubscription[] = [];
  return {
    calls,
    subs,
    async call(method, args) {
      calls.push({ method, args: args as Record<string, unknown> });
      return { ok: true, value: undefined } as Result<never>;
    },
    subscribe(topic, args, handlers) {
      const sub: RecordedSubscription = {
        topic,
        args: args as Record<string, unknown>,
        handlers: handlers as SubscriptionHandlers<unknown>,
        closed: false,
      };
      subs.push(sub);
      return { close: () => (sub.closed = true) };
    },
  };
}
