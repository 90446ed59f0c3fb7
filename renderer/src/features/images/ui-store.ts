import { create } from 'zustand';

export type ImageFilter = 'all' | 'in-use' | 'unused' | 'dangling';
export type SortKey = 'name' | 'created' | 'size';

const SORT_KEY = 'berth.images.sort';

function loadSort(): { key: SortKey; desc: boolean } {
  try {
    const v = JSON.parse(localStorage.getItem(SORT_KEY) ?? 'null') as { key?: string; desc?: boolean } | null;
    if (v && (v.key === 'name' || v.key === 'created' || v.key === 'size'))
      return { key: v.key, desc: Boolean(v.desc) };
  } catch {
    // No storage (tests) or a bad value: the default.
  }
  return { key: 'created', desc: true };
}

/** The Images page's UI state; the palette opens dialogs through it from anywhere. */
export const useImagesUi = create<{
  filter: ImageFilter;
  search: string;
  sort: { key: SortKey; desc: boolean };
  /** The pull dialog, and the transfer it shows (undefined: the form). */
  pullOpen: boolean;
  pullTransfer?: number;
  pruneOpen: boolean;
  /** The push dialog: the tags it offers, and the transfer it shows. */
  push?: { tags: string[]; transfer?: number };
  setFilter(f: ImageFilter): void;
  setSearch(s: string): void;
  sortBy(key: SortKey): void;
  openPull(transfer?: number): void;
  closePull(): void;
  openPrune(): void;
  closePrune(): void;
  openPush(tags: string[], transfer?: number): void;
  closePush(): void;
}>((set, get) => ({
  filter: 'all',
  search: '',
  sort: loadSort(),
  pullOpen: false,
  pruneOpen: false,
  setFilter: (filter) => set({ filter }),
  setSearch: (search) => set({ search }),
  sortBy: (key) => {
    const cur = get().sort;
    const sort = cur.key === key ? { key, desc: !cur.desc } : { key, desc: key !== 'name' };
    try {
      localStorage.setItem(SORT_KEY, JSON.stringify(sort));
    } catch {
      // Not persisted; still applied.
    }
    set({ sort });
  },
  openPull: (transfer) => set({ pullOpen: true, pullTransfer: transfer }),
  closePull: () => set({ pullOpen: false }),
  openPrune: () => set({ pruneOpen: true }),
  closePrune: () => set({ pruneOpen: false }),
  openPush: (tags, transfer) => set({ push: { tags, transfer } }),
  closePush: () => set({ push: undefined }),
}));
