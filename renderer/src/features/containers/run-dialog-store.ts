import { create } from 'zustand';
import { navigate } from '../../app/router';

/**
 * Opens the Run dialog from anywhere (the Images page's "Run" passes the image). The dialog lives in
 * a RunDialogHost; the first mounted host shows it. When no host is mounted (App.tsx has none), show()
 * goes to the Containers page, which has one.
 */
export const useRunDialog = create<{
  open: boolean;
  image?: string;
  /** Mounted hosts, in mount order; only the first renders the dialog. */
  hosts: number[];
  show(image?: string): void;
  hide(): void;
  addHost(id: number): void;
  removeHost(id: number): void;
}>((set, get) => ({
  open: false,
  hosts: [],
  show: (image) => {
    set({ open: true, image });
    if (get().hosts.length === 0) navigate('containers');
  },
  hide: () => set({ open: false, image: undefined }),
  addHost: (id) => set((s) => ({ hosts: [...s.hosts, id] })),
  removeHost: (id) => set((s) => ({ hosts: s.hosts.filter((h) => h !== id) })),
}));
