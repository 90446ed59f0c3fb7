// A scripted bridge for component tests (setBridge(fakeBridge({...}))): each method answers from
// `handlers`; calls are recorded.
import type { BerthBridge, MethodName, Result } from '../bridge';

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
