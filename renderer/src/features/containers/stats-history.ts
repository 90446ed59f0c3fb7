// Recent CPU and memory samples per container for the list's sparklines. Each batch replaces only
// the arrays of the containers it carries, so only their rows re-render.
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import { useSubscription } from '../../bridge/hooks';
import type { StatsPoint } from '../../bridge/contract';

/** One minute at one sample a second. */
export const HISTORY = 60;

export interface History {
  cpu: number[];
  mem: number[];
  memLimit: number;
}

export const useStatsHistory = create<{
  byId: Record<string, History>;
  add(batch: StatsPoint[]): void;
}>((set) => ({
  byId: {},
  add: (batch) =>
    set((s) => {
      const byId = { ...s.byId };
      for (const p of batch) {
        const prev = byId[p.id];
        byId[p.id] = {
          cpu: [...(prev?.cpu ?? []), p.cpuPercent].slice(-HISTORY),
          mem: [...(prev?.mem ?? []), p.memUsage].slice(-HISTORY),
          memLimit: p.memLimit,
        };
      }
      return { byId };
    }),
}));

/** Ids that stay the same for `ms` (so scrolling does not resubscribe on every frame). */
export function useSettled(ids: string[], ms = 400): string[] {
  const key = ids.join(',');
  const [settled, setSettled] = useState(key);
  useEffect(() => {
    const t = setTimeout(() => setSettled(key), ms);
    return () => clearTimeout(t);
  }, [key, ms]);
  return settled ? settled.split(',') : [];
}

/** Streams stats for the given (visible, running) containers into the history store. */
export function useListStats(ids: string[]): void {
  const settled = useSettled(ids);
  const add = useStatsHistory((s) => s.add);
  const capped = settled.slice(0, 200);
  useSubscription(
    'containers.statsMany',
    capped.length ? { ids: [...capped].sort() } : undefined,
    { onEvent: (batch) => add(batch) },
    { retryOnError: true },
  );
}
