// "This container started again": how the Logs and Terminal views reconnect after a stop/start.
import { useRef } from 'react';
import { useSubscription } from '../../bridge/hooks';
import type { EngineEvent } from '../../bridge/contract';

/** Whether an engine event is about the container the user named (full id, short id or name). */
export function isAbout(event: EngineEvent, ref: string, fullId?: string): boolean {
  if (event.Type !== 'container') return false;
  const id = event.Actor?.ID ?? '';
  return id === fullId || id.startsWith(ref) || event.Actor?.Attributes?.name === ref.replace(/^\//, '');
}

/** Calls `onStart` whenever the container starts (or restarts, or is unpaused). */
export function useContainerStarts(
  containerId: string,
  fullId: string | undefined,
  onStart: () => void,
): void {
  const cb = useRef(onStart);
  cb.current = onStart;
  useSubscription(
    'events',
    {},
    {
      onEvent: (e) => {
        if ((e.Action === 'start' || e.Action === 'unpause') && isAbout(e, containerId, fullId)) cb.current();
      },
    },
    { retryOnError: true },
  );
}
