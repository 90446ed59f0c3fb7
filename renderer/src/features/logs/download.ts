// Downloading a whole log, however big: a separate stream of the log (not what the view holds, which
// may have been cleared or trimmed) gathered into a Blob — the browser keeps big blobs out of the
// JS heap — and saved through a temporary link.
import { getBridge } from '../../bridge';
import type { BridgeError } from '../../bridge/contract';
import { newStreamId } from './ids';

const ACK_CHARS = 1024 * 1024;

/** Streams the log of `containerId` and returns it as a Blob. */
export function fetchLogBlob(
  containerId: string,
  opts: { timestamps: boolean; onProgress?(chars: number): void },
): { cancel(): void; done: Promise<Blob> } {
  const streamId = newStreamId('dl');
  const parts: string[] = [];
  let chars = 0;
  let unacked = 0;
  let sub: { close(): void } | undefined;
  let cancelled = false;
  const done = new Promise<Blob>((resolve, reject) => {
    sub = getBridge().subscribe(
      'logs',
      { streamId, containerId, follow: false, tail: 'all', timestamps: opts.timestamps },
      {
        onEvent: (e) => {
          if (e.kind !== 'lines') return;
          parts.push(e.text, '\n');
          chars += e.text.length + 1;
          unacked += e.text.length;
          if (unacked >= ACK_CHARS) {
            void getBridge().call('logs.ack', { streamId, chars: unacked });
            unacked = 0;
          }
          opts.onProgress?.(chars);
        },
        onEnd: (error?: BridgeError) => {
          if (cancelled) reject(Object.assign(new Error('cancelled'), { code: 'cancelled' }));
          else if (error) reject(Object.assign(new Error(error.message), error));
          else resolve(new Blob(parts, { type: 'text/plain;charset=utf-8' }));
        },
      },
    );
  });
  return {
    cancel: () => {
      cancelled = true;
      sub?.close();
    },
    done,
  };
}

/** Saves a Blob as a file through a temporary object URL. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `web-1_2024-05-01T12-00-00.log` */
export function logFileName(name: string, now = new Date()): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'container';
  return `${safe}_${now.toISOString().slice(0, 19).replace(/:/g, '-')}.log`;
}
