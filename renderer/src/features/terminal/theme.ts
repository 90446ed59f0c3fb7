// Terminal colors for the app's light and dark themes (xterm needs concrete colors, not CSS vars).
import type { ITheme } from '@xterm/xterm';

export const DARK: ITheme = {
  background: '#0f141b',
  foreground: '#dfe5ee',
  cursor: '#5b8def',
  cursorAccent: '#0f141b',
  selectionBackground: '#2d4a7a',
  scrollbarSliderBackground: 'rgba(141, 153, 170, 0.2)',
  scrollbarSliderHoverBackground: 'rgba(141, 153, 170, 0.35)',
  scrollbarSliderActiveBackground: 'rgba(141, 153, 170, 0.5)',
  black: '#1b2230',
  red: '#ef5f5f',
  green: '#3fbf7a',
  yellow: '#e0a526',
  blue: '#5b8def',
  magenta: '#c678dd',
  cyan: '#3fb6c6',
  white: '#c9d3e0',
  brightBlack: '#5c6b80',
  brightRed: '#ff7b7b',
  brightGreen: '#5fd896',
  brightYellow: '#f2c14e',
  brightBlue: '#7fa8ff',
  brightMagenta: '#d897ea',
  brightCyan: '#62d2e0',
  brightWhite: '#ffffff',
};

export const LIGHT: ITheme = {
  background: '#ffffff',
  foreground: '#1d2430',
  cursor: '#2f6fed',
  cursorAccent: '#ffffff',
  selectionBackground: '#c7d8fb',
  scrollbarSliderBackground: 'rgba(102, 112, 133, 0.2)',
  scrollbarSliderHoverBackground: 'rgba(102, 112, 133, 0.35)',
  scrollbarSliderActiveBackground: 'rgba(102, 112, 133, 0.5)',
  black: '#1d2430',
  red: '#c62828',
  green: '#1f8a4c',
  yellow: '#a86f00',
  blue: '#2f6fed',
  magenta: '#9c3fb5',
  cyan: '#0e7f8f',
  white: '#c9d0da',
  brightBlack: '#667085',
  brightRed: '#e04848',
  brightGreen: '#27a35c',
  brightYellow: '#c98a06',
  brightBlue: '#4b84f5',
  brightMagenta: '#b45bcc',
  brightCyan: '#1597a8',
  brightWhite: '#ffffff',
};

export function currentTheme(): ITheme {
  return document.documentElement.dataset.theme === 'dark' ? DARK : LIGHT;
}

/** Calls `cb` when the app switches between light and dark. */
export function onThemeChange(cb: () => void): () => void {
  const mo = new MutationObserver(cb);
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => mo.disconnect();
}
