import { useEffect, useRef } from 'react';
import {
  useMutation,
  useQuery,
  useQueryClient,
  type QueryKey,
  type UseQueryOptions,
} from '@tanstack/react-query';
import { call, getBridge, type BridgeCallError } from './index';
import type {
  BridgeError,
  MethodArgs,
  MethodName,
  MethodResult,
  TopicArgs,
  TopicEvent,
  TopicName,
} from './contract';

/** A query backed by one bridge method. Keys start with the feature ('containers', 'images', …). */
export function useBridgeQuery<M extends MethodName>(
  key: QueryKey,
  method: M,
  args: MethodArgs<M>,
  options: Omit<UseQueryOptions<MethodResult<M>, BridgeCallError>, 'queryKey' | 'queryFn'> = {},
) {
  return useQuery<MethodResult<M>, BridgeCallError>({
    queryKey: key,
    queryFn: () => call(method, args),
    ...options,
  });
}

/** A mutation backed by one bridge method; `invalidate` lists the query keys to refetch after. */
export function useBridgeMutation<M extends MethodName>(method: M, invalidate: QueryKey[] = []) {
  const qc = useQueryClient();
  return useMutation<MethodResult<M>, BridgeCallError, MethodArgs<M>>({
    mutationFn: (args) => call(method, args),
    onSettled: () => {
      for (const key of invalidate) void qc.invalidateQueries({ queryKey: key });
    },
  });
}

/**
 * Subscribes while mounted (and while `enabled`). Re-subscribes when `args` change (compared as JSON)
 * and, after a transport failure, retries with a delay. Handlers may change freely between renders.
 */
export function useSubscription<T extends TopicName>(
  topic: T,
  args: TopicArgs<T> | undefined,
  handlers: { onEvent(e: TopicEvent<T>): void; onEnd?(error?: BridgeError): void },
  options: { enabled?: boolean; retryOnError?: boolean } = {},
) {
  const ref = useRef(handlers);
  ref.current = handlers;
  const key = JSON.stringify(args ?? null);
  const enabled = options.enabled !== false && args !== undefined;
  const retry = options.retryOnError ?? false;
  useEffect(() => {
    if (!enabled) return;
    let closed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sub: { close(): void } | undefined;
    const start = () => {
      sub = getBridge().subscribe(topic, JSON.parse(key) as TopicArgs<T>, {
        onEvent: (e) => ref.current.onEvent(e),
        onEnd: (error) => {
          if (closed) return;
          ref.current.onEnd?.(error);
          if (error && retry) timer = setTimeout(start, 1000);
        },
      });
    };
    start();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      sub?.close();
    };
  }, [topic, key, enabled, retry]);
}
