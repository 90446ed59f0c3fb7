import { create } from 'zustand';

/** Opens the Run dialog from anywhere (the Images page's "Run" passes the image). */
export const useRunDialog = create<{
  open: boolean;
  image?: string;
  show(image?: string): void;
  hide(): void;
}>((set) => ({
  open: false,
  show: (image) => set({ open: true, image }),
  hide: () => set({ open: false, image: undefined }),
}));
