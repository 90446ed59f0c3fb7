import { create } from 'zustand';

/** Which Volumes dialog is open; the palette opens them from anywhere. */
export type VolumesDialog = 'create' | 'import' | 'prune' | null;

export const useVolumesUi = create<{
  dialog: VolumesDialog;
  /** For 'import' from a volume's page: import into this one. */
  target?: string;
  open(dialog: Exclude<VolumesDialog, null>, target?: string): void;
  close(): void;
}>((set) => ({
  dialog: null,
  open: (dialog, target) => set({ dialog, target }),
  close: () => set({ dialog: null, target: undefined }),
}));
