// Moving bytes across the bridge in bounded chunks: downloads pull one chunk per call and end as a
// file the browser saves; imports read the picked file slice by slice and push one chunk per call.
import { call, VOLUME_CHUNK_BYTES } from '../../bridge';
import { useTransfers } from './transfers-store';

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  // String.fromCharCode takes arguments: feed it slices small enough for any engine's stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/** Hands a blob to the browser as a download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export class TransferCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Downloads a file (`format: 'file'`) or a tar of a directory (`'tar'`, the whole volume for '/') and
 * saves it. Progress shows in the transfers panel, where it can be cancelled. Resolves with the bytes.
 */
export async function downloadFromVolume(
  name: string,
  path: string,
  format: 'file' | 'tar',
): Promise<{ fileName: string; bytes: number }> {
  const info = await call('volumes.downloadStart', { name, path, format });
  const store = useTransfers.getState();
  let cancelled = false;
  const key = store.add({
    kind: 'download',
    label: info.fileName,
    total: info.size,
    cancel: () => {
      cancelled = true;
    },
  });
  const parts: Uint8Array<ArrayBuffer>[] = [];
  try {
    for (;;) {
      if (cancelled) {
        await call('volumes.downloadCancel', { id: info.id }).catch(() => undefined);
        throw new TransferCancelled();
      }
      const chunk = await call('volumes.downloadRead', { id: info.id });
      if (chunk.data) parts.push(base64ToBytes(chunk.data));
      useTransfers.getState().progress(key, chunk.bytes);
      if (chunk.done) {
        saveBlob(
          new Blob(parts, { type: format === 'tar' ? 'application/x-tar' : 'application/octet-stream' }),
          info.fileName,
        );
        return { fileName: info.fileName, bytes: chunk.bytes };
      }
    }
  } finally {
    useTransfers.getState().remove(key);
  }
}

/** Imports a tar file into a volume (created when `create` and missing). Resolves with the bytes sent. */
export async function importIntoVolume(name: string, file: File, create: boolean): Promise<number> {
  const { id } = await call('volumes.importStart', { name, create });
  let cancelled = false;
  const key = useTransfers.getState().add({
    kind: 'import',
    label: file.name,
    total: file.size,
    cancel: () => {
      cancelled = true;
    },
  });
  try {
    let offset = 0;
    while (offset < file.size) {
      if (cancelled) throw new TransferCancelled();
      const slice = new Uint8Array(await file.slice(offset, offset + VOLUME_CHUNK_BYTES).arrayBuffer());
      const { bytes } = await call('volumes.importChunk', { id, offset, data: bytesToBase64(slice) });
      offset = bytes;
      useTransfers.getState().progress(key, offset);
    }
    const { bytes } = await call('volumes.importFinish', { id });
    return bytes;
  } catch (err) {
    await call('volumes.importCancel', { id }).catch(() => undefined);
    throw err;
  } finally {
    useTransfers.getState().remove(key);
  }
}
