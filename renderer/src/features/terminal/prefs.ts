// The Terminal view's remembered choices: exec or attach, which shell, a custom command, the user.
import { create } from 'zustand';
import type { ShellChoice } from './command';

const KEY = 'berth.terminal.prefs';

interface Prefs {
  mode: 'exec' | 'attach';
  shell: ShellChoice;
  custom: string;
  user: string;
}

function load(): Prefs {
  const d: Prefs = { mode: 'exec', shell: 'sh', custom: '', user: '' };
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return {
      mode: v.mode === 'attach' ? 'attach' : 'exec',
      shell: v.shell === 'bash' || v.shell === 'custom' ? v.shell : 'sh',
      custom: typeof v.custom === 'string' ? v.custom.slice(0, 4096) : d.custom,
      user: typeof v.user === 'string' ? v.user.slice(0, 256) : d.user,
    };
  } catch {
    return d;
  }
}

export const useTerminalPrefs = create<Prefs & { set(p: Partial<Prefs>): void }>((set, get) => ({
  ...load(),
  set: (p) => {
    set(p);
    const { mode, shell, custom, user } = get();
    try {
      localStorage.setItem(KEY, JSON.stringify({ mode, shell, custom, user }));
    } catch {
      // storage unavailable: the choice lasts for this session
    }
  },
}));
