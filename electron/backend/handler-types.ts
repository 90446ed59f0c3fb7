// How a feature implements its part of the contract. Each feature's handler file is typed against its
// own contract object, so the compiler reports a method without a handler; backend/handlers/index.ts
// joins them and the contract test checks the join at run time too.
import type { z } from 'zod';
import type { MethodDef, TopicDef } from '../contract/define.js';
import type { BackendContext } from './context.js';

export type MethodHandler<D> =
  D extends MethodDef<infer A, infer R> ? (args: z.output<A>, ctx: BackendContext) => Promise<R> : never;

/**
 * A subscription's implementation: emit events until the stream ends (resolve) or fails (reject).
 * `signal` aborts when the client unsubscribes or disconnects; the handler must then release what it holds.
 */
export type TopicHandler<D> =
  D extends TopicDef<infer A, infer E>
    ? (args: z.output<A>, ctx: BackendContext, emit: (event: E) => void, signal: AbortSignal) => Promise<void>
    : never;

export type MethodHandlers<C> = { [K in keyof C]: MethodHandler<C[K]> };
export type TopicHandlers<C> = { [K in keyof C]: TopicHandler<C[K]> };
