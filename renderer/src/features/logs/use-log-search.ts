// Runs a LogSearch in slices between frames (never a long task), and keeps scanning new lines as
// they arrive.
import { useEffect, useRef, useState } from 'react';
import { LogSearch } from './log-search';
import type { LogStore } from './log-store';

const SLICE_MS = 10;

/** Yields to the browser without setTimeout's 4 ms clamp. */
function yieldTask(cb: () => void): () => void {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => cb();
  ch.port2.postMessage(null);
  return () => {
    ch.port1.onmessage = null;
    ch.port1.close();
  };
}

export function useLogSearch(store: LogStore, query: string, skipTimestamps: boolean, version: number) {
  const [search, setSearch] = useState<LogSearch | null>(null);
  const [progress, setProgress] = useState(0);
  const running = useRef<(() => void) | null>(null);
  const kick = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!query) {
      setSearch(null);
      kick.current = () => undefined;
      return;
    }
    const s = new LogSearch(store, query, skipTimestamps);
    setSearch(s);
    let stopped = false;
    const step = () => {
      running.current = null;
      if (stopped) return;
      const done = s.step(SLICE_MS);
      setProgress((n) => n + 1);
      if (!done) running.current = yieldTask(step);
    };
    kick.current = () => {
      if (!stopped && !running.current && !s.done) running.current = yieldTask(step);
    };
    step();
    return () => {
      stopped = true;
      running.current?.();
      running.current = null;
    };
  }, [store, query, skipTimestamps]);

  // New lines: scan them too.
  useEffect(() => {
    kick.current();
  }, [version]);

  return { search, progress, scanning: search !== null && !search.done };
}
