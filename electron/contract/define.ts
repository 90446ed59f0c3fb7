import type { z } from 'zod';

/** A request/response method: its argument schema (validated by the server) and its result type. */
export interface MethodDef<A extends z.ZodType, R> {
  kind: 'method';
  args: A;
  /** Phantom: only carries the result type. */
  result?: R;
}

/** A subscription: its argument schema and the type of each event it streams until it ends. */
export interface TopicDef<A extends z.ZodType, E> {
  kind: 'topic';
  args: A;
  /** Phantom: only carries the event type. */
  event?: E;
}

export const method =
  <R>() =>
  <A extends z.ZodType>(args: A): MethodDef<A, R> => ({ kind: 'method', args });

export const topic =
  <E>() =>
  <A extends z.ZodType>(args: A): TopicDef<A, E> => ({ kind: 'topic', args });
