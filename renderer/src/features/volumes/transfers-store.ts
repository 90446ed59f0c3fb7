import { create } from 'zustand';

/** Downloads and imports in flight, shown in the transfers panel with their progress. */
export interface Transfer {
  key: number;
  kind: 'download' | 'import';
  label: string;
  /** Total bytes when known. */
  total: number | null;
  bytes: number;
  cancel(): void;
}

let nextKey = 1;

export const useTransfers = create<{
  transfers: Transfer[];
  add(t: Omit<Transfer, 'key' | 'bytes'>): number;
  progress(key: number, bytes: number): void;
  remove(key: number): void;
}>((set) => ({
  transfers: [],
  add: (t) => {
    const key = nextKey++;
    set((s) => ({ transfers: [...s.transfers, { ...t, key, bytes: 0 }] }));
    return key;
  },
  progress: (key, bytes) =>
    set((s) => ({ transfers: s.transfers.map((t) => (t.key === key ? { ...t, bytes } : t)) })),
  remove: (key) => set((s) => ({ transfers: s.transfers.filter((t) => t.key !== key) })),
}));
