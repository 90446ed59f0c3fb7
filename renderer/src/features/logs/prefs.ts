// The Logs view's remembered choices (timestamps shown, how many lines to load).
import { create } from 'zustand';
import type { Tail } from './use-log-stream';

const KEY = 'berth.logs.prefs';

function load(): { timestamps: boolean; tail: Tail } {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as { timestamps?: unknown; tail?: unknown };
    return {
      timestamps: v.timestamps === true,
      tail: typeof v.tail === 'number' && v.tail > 0 ? v.tail : 'all',
    };
  } catch {
    return { timestamps: false, tail: 'all' };
  }
}

export const useLogPrefs = create<{
  timestamps: boolean;
  tail: Tail;
  setTimestamps(v: boolean): void;
  setTail(v: Tail): void;
}>((set, get) => {
  const save = () => {
    try {
      localStorage.setItem(KEY, JSON.stringify({ timestamps: get().timestamps, tail: get().tail }));
    } catch {
      // storage unavailable: the choice lasts for this session
    }
  };
  return {
    ...load(),
    setTimestamps: (timestamps) => {
      set({ timestamps });
      save();
    },
    setTail: (tail) => {
      set({ tail });
      save();
    },
  };
});
