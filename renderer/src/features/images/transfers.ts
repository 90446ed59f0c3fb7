// Pulls and pushes in flight. They live here, not in a dialog, so closing the dialog lets a pull go on
// in the background (with a small indicator); cancel closes the subscription, which aborts the
// transfer in the engine.
import { create } from 'zustand';
import { getBridge } from '../../bridge';
import type { BridgeError, LayerProgress, Subscription, TransferEvent, TransferOverall } from '../../bridge';
import { queryClient } from '../../app/query-client';
import { toast } from '../../components/toasts';
import { t } from '../../i18n';

export type TransferKind = 'pull' | 'push';
export type TransferState = 'running' | 'done' | 'failed' | 'cancelled';

export interface Transfer {
  id: number;
  kind: TransferKind;
  ref: string;
  platform?: string;
  state: TransferState;
  /** Layer ids in the order they appeared. */
  order: string[];
  layers: Record<string, LayerProgress>;
  overall: TransferOverall;
  /** The latest line about the whole transfer. */
  status?: string;
  error?: BridgeError;
  upToDate?: boolean;
  startedAt: number;
}

interface TransfersStore {
  transfers: Transfer[];
  start(kind: TransferKind, ref: string, opts?: { platform?: string }): number;
  cancel(id: number): void;
  dismiss(id: number): void;
}

const EMPTY: TransferOverall = { current: 0, total: 0, layersDone: 0, layersTotal: 0 };
const subs = new Map<number, Subscription>();
let nextId = 1;

function apply(tr: Transfer, e: TransferEvent): Transfer {
  switch (e.kind) {
    case 'layer': {
      const known = e.layer.id in tr.layers;
      return {
        ...tr,
        order: known ? tr.order : [...tr.order, e.layer.id],
        layers: { ...tr.layers, [e.layer.id]: e.layer },
        overall: e.overall,
      };
    }
    case 'status':
      return { ...tr, status: e.message, overall: e.overall };
    case 'done':
      return { ...tr, state: 'done', overall: e.overall, upToDate: e.upToDate };
  }
}

export const useTransfers = create<TransfersStore>((set, get) => {
  const update = (id: number, change: (tr: Transfer) => Transfer) =>
    set((s) => ({ transfers: s.transfers.map((tr) => (tr.id === id ? change(tr) : tr)) }));

  return {
    transfers: [],
    start(kind, ref, opts = {}) {
      const id = nextId++;
      const transfer: Transfer = {
        id,
        kind,
        ref,
        platform: opts.platform,
        state: 'running',
        order: [],
        layers: {},
        overall: EMPTY,
        startedAt: Date.now(),
      };
      set((s) => ({
        transfers: [...s.transfers.filter((x) => x.state === 'running' || x.ref !== ref), transfer],
      }));
      // Events arrive in bursts; apply them once per frame so many layers do not mean many renders.
      let queue: TransferEvent[] = [];
      let scheduled = false;
      const drain = () => {
        scheduled = false;
        const batch = queue;
        queue = [];
        if (batch.length) update(id, (tr) => batch.reduce(apply, tr));
      };
      const handlers = {
        onEvent: (e: TransferEvent) => {
          queue.push(e);
          if (!scheduled) {
            scheduled = true;
            (typeof requestAnimationFrame === 'function' ? requestAnimationFrame : setTimeout)(drain);
          }
        },
        onEnd: (error?: BridgeError) => {
          drain();
          subs.delete(id);
          const tr = get().transfers.find((x) => x.id === id);
          if (!tr || tr.state === 'cancelled') return;
          if (error) {
            update(id, (x) => ({ ...x, state: 'failed', error }));
            if (error.status !== 401)
              toast('error', t(`images.${kind}.failed`, { ref, error: error.message }));
          } else {
            update(id, (x) => ({ ...x, state: 'done' }));
            toast('success', t(`images.${kind}.done`, { ref }));
          }
          void queryClient.invalidateQueries({ queryKey: ['images'] });
        },
      };
      const sub =
        kind === 'pull'
          ? getBridge().subscribe(
              'images.pull',
              opts.platform ? { ref, platform: opts.platform } : { ref },
              handlers,
            )
          : getBridge().subscribe('images.push', { ref }, handlers);
      subs.set(id, sub);
      return id;
    },
    cancel(id) {
      update(id, (tr) => (tr.state === 'running' ? { ...tr, state: 'cancelled' } : tr));
      subs.get(id)?.close();
      subs.delete(id);
    },
    dismiss(id) {
      get().cancel(id);
      set((s) => ({ transfers: s.transfers.filter((tr) => tr.id !== id) }));
    },
  };
});

/** 0…1 for a progress bar; undefined while sizes are unknown. */
export function fraction(current: number | undefined, total: number | undefined): number | undefined {
  if (!total || total <= 0 || current === undefined) return undefined;
  return Math.max(0, Math.min(1, current / total));
}

/** Overall progress of a transfer: bytes when known, else layers done. */
export function overallFraction(tr: Pick<Transfer, 'overall' | 'state'>): number | undefined {
  if (tr.state === 'done') return 1;
  const o = tr.overall;
  if (o.total > 0) {
    // Weight bytes, but let finished layers (extraction included) show too.
    const bytes = o.current / o.total;
    const layers = o.layersTotal ? o.layersDone / o.layersTotal : 0;
    return Math.min(1, bytes * 0.8 + layers * 0.2);
  }
  if (o.layersTotal) return o.layersDone / o.layersTotal;
  return undefined;
}
