import { create } from 'zustand';

/** Whether the Reclaim dialog is open; the palette opens it from anywhere. */
export const useDiskUi = create<{ reclaimOpen: boolean; openReclaim(): void; closeReclaim(): void }>(
  (set) => ({
    reclaimOpen: false,
    openReclaim: () => set({ reclaimOpen: true }),
    closeReclaim: () => set({ reclaimOpen: false }),
  }),
);
