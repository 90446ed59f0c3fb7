// Keeps every list live: engine events invalidate the queries they affect, in small batches.
import { useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { useSubscription } from '../bridge/hooks';
import { VOLUME_HELPER_LABEL, type EngineEvent } from '../bridge/contract';

/** Which query-key roots an event makes stale. */
export function keysFor(event: EngineEvent): string[] {
  switch (event.Type) {
    case 'container':
      return ['containers', 'disk', 'volumes', 'images', 'system'];
    case 'image':
      return ['images', 'disk', 'system'];
    case 'volume':
      return ['volumes', 'disk'];
    case 'network':
      return ['networks'];
    case 'berth':
      return ['*'];
    default:
      return [];
  }
}

export function useLiveUpdates(): void {
  const qc = useQueryClient();
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flush = () => {
    timer.current = undefined;
    const keys = [...pending.current];
    pending.current.clear();
    if (keys.includes('*')) {
      void qc.invalidateQueries();
      return;
    }
    for (const key of keys) void qc.invalidateQueries({ queryKey: [key] });
  };
  useSubscription(
    'events',
    {},
    {
      onEvent: (event) => {
        // Exec, attach and file-transfer events fire constantly (terminals, the Files tab, volume
        // browsing) and change no list; nor do the short-lived helper containers that browse volumes.
        if (event.Type === 'container') {
          if (/^(exec_|attach|resize|top|archive-path|extract-to-dir|export)/.test(event.Action)) return;
          if (event.Actor.Attributes?.[VOLUME_HELPER_LABEL] !== undefined) return;
        }
        for (const key of keysFor(event)) pending.current.add(key);
        timer.current ??= setTimeout(flush, 150);
      },
      // When the stream comes back after an outage, anything may have changed.
      onEnd: () => {
        pending.current.add('*');
        timer.current ??= setTimeout(flush, 1000);
      },
    },
    { retryOnError: true },
  );
}
