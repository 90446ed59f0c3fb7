import { create } from 'zustand';

export type Theme = 'light' | 'dark' | 'system';

function apply(theme: Theme) {
  const dark =
    theme === 'dark' || (theme === 'system' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export const useTheme = create<{ theme: Theme; setTheme(t: Theme): void }>((set) => ({
  theme: 'system',
  setTheme: (theme) => {
    apply(theme);
    set({ theme });
  },
}));

export function initTheme(): void {
  apply(useTheme.getState().theme);
  window
    .matchMedia?.('(prefers-color-scheme: dark)')
    .addEventListener?.('change', () => apply(useTheme.getState().theme));
}
