/** Messages between the engine and its pull helper process (JSON over the fork IPC channel). */
import type { UnpackedLayer } from '../store/layer-store.js';
import type { LayerJob } from './layer-fill.js';

export type HelperRequest = { type: 'fill'; id: number; job: LayerJob } | { type: 'abort'; id: number };

export interface SerializedError {
  name: string;
  message: string;
  status?: number;
}

export type HelperReply =
  | { type: 'progress'; id: number; bytes: number }
  | { type: 'stored'; id: number }
  | { type: 'done'; id: number; result: UnpackedLayer }
  | { type: 'failed'; id: number; error: SerializedError };
