// The list's sort, filter and collapsed groups, remembered across sessions (localStorage).
import { create } from 'zustand';
import type { ListPrefs, SortDir, SortKey, StatusFilter } from './list-model';

const KEY = 'berth.containers.list';
const DEFAULTS: ListPrefs = { sort: 'created', dir: 'desc', filter: 'all', collapsed: [] };

function load(): ListPrefs {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<ListPrefs>;
    return {
      sort: (['name', 'status', 'created', 'image'] as SortKey[]).includes(raw.sort as SortKey)
        ? (raw.sort as SortKey)
        : DEFAULTS.sort,
      dir: raw.dir === 'asc' || raw.dir === 'desc' ? raw.dir : DEFAULTS.dir,
      filter: (['all', 'running', 'stopped'] as StatusFilter[]).includes(raw.filter as StatusFilter)
        ? (raw.filter as StatusFilter)
        : DEFAULTS.filter,
      collapsed: Array.isArray(raw.collapsed)
        ? raw.collapsed.filter((x): x is string => typeof x === 'string')
        : [],
    };
  } catch {
    return { ...DEFAULTS };
  }
}

function save(p: ListPrefs) {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    // Storage full or disabled: the choice lasts for this session only.
  }
}

interface PrefsStore extends ListPrefs {
  /** Sorting by the current key again flips the direction. */
  sortBy(key: SortKey, dir?: SortDir): void;
  setFilter(f: StatusFilter): void;
  toggleGroup(project: string): void;
  reload(): void;
}

export const useListPrefs = create<PrefsStore>((set, get) => {
  const update = (change: Partial<ListPrefs>) => {
    set(change);
    const { sort, dir, filter, collapsed } = get();
    save({ sort, dir, filter, collapsed });
  };
  return {
    ...load(),
    sortBy: (key, dir) => {
      const cur = get();
      const next: SortDir =
        dir ?? (cur.sort === key ? (cur.dir === 'asc' ? 'desc' : 'asc') : key === 'created' ? 'desc' : 'asc');
      update({ sort: key, dir: next });
    },
    setFilter: (filter) => update({ filter }),
    toggleGroup: (project) => {
      const c = new Set(get().collapsed);
      if (c.has(project)) c.delete(project);
      else c.add(project);
      update({ collapsed: [...c] });
    },
    reload: () => set(load()),
  };
});
