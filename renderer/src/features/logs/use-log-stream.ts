// The Logs view's live stream: subscribes, feeds the store, acknowledges what it took in (flow
// control), and after the container stops resumes where it left off when it starts again.
import { useCallback, useEffect, useRef, useState } from 'react';
import { getBridge } from '../../bridge';
import type { BridgeError, LogsInfo } from '../../bridge/contract';
import { useContainerStarts } from './container-events';
import { newStreamId } from './ids';
import type { LogStore } from './log-store';

export type Tail = 'all' | number;
export type StreamStatus = 'connecting' | 'live' | 'stopped' | 'error';

/** Acknowledge every this many characters (well under the server's window). */
const ACK_CHARS = 512 * 1024;
const RETRY_MS = 2000;

export function useLogStream(containerId: string, tail: Tail, store: LogStore, onData: () => void) {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [info, setInfo] = useState<LogsInfo>();
  const [error, setError] = useState<BridgeError>();
  const [epoch, setEpoch] = useState(0);
  const statusRef = useRef(status);
  statusRef.current = status;
  const dataRef = useRef(onData);
  dataRef.current = onData;
  const origin = useRef<{ store: LogStore; tail: Tail } | undefined>(undefined);
  /** When the container last started (a restart's start may overtake the end of the old stream). */
  const startedAt = useRef(0);

  useEffect(() => {
    // A new container or another tail starts over; a reconnect resumes after the last line held.
    if (origin.current?.store !== store || origin.current.tail !== tail) {
      store.reset();
      dataRef.current();
      origin.current = { store, tail };
    }
    const resume = store.resumePoint;
    const streamId = newStreamId('logs');
    let unacked = 0;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    setStatus('connecting');
    setError(undefined);
    const bridge = getBridge();
    const sub = bridge.subscribe(
      'logs',
      {
        streamId,
        containerId,
        follow: true,
        tail: resume ? 'all' : tail,
        timestamps: true,
        stripAnsi: true,
        ...(resume ? { resume } : {}),
      },
      {
        onEvent: (e) => {
          if (closed) return;
          if (e.kind === 'info') {
            setInfo(e);
            setStatus('live');
            return;
          }
          store.append(e);
          dataRef.current();
          unacked += e.text.length;
          if (unacked >= ACK_CHARS) {
            void bridge.call('logs.ack', { streamId, chars: unacked });
            unacked = 0;
          }
        },
        onEnd: (err) => {
          if (closed) return;
          if (!err) {
            setStatus('stopped');
            if (Date.now() - startedAt.current < 3000) setEpoch((n) => n + 1);
            return;
          }
          setError(err);
          setStatus('error');
          if (err.code === 'engine-unreachable') retry = setTimeout(() => setEpoch((n) => n + 1), RETRY_MS);
        },
      },
    );
    return () => {
      closed = true;
      if (retry) clearTimeout(retry);
      sub.close();
    };
  }, [containerId, tail, store, epoch]);

  const reconnect = useCallback(() => setEpoch((n) => n + 1), []);

  useContainerStarts(containerId, info?.id, () => {
    startedAt.current = Date.now();
    if (statusRef.current === 'stopped' || statusRef.current === 'error') reconnect();
  });

  return { status, info, error, reconnect };
}
