// Where the main window opens: the last position and size, unless that would put it off every screen
// (a monitor was unplugged) or make it larger than the biggest one.
import type { WindowState } from '../backend/settings-store.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 880, height: 560 };
/** How much of the window (its title bar) must be on a screen for the saved position to count. */
const VISIBLE = 64;

export interface WindowPlacement {
  /** x/y are absent when the window should be centred. */
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  return {
    w: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    h: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

export function restoreWindowState(saved: WindowState | undefined, workAreas: Rect[]): WindowPlacement {
  const largest = workAreas.reduce(
    (m, a) => ({ width: Math.max(m.width, a.width), height: Math.max(m.height, a.height) }),
    { width: 0, height: 0 },
  );
  const fit = (want: number, min: number, max: number) =>
    Math.round(Math.max(min, max > 0 ? Math.min(want, max) : want));
  const width = fit(finite(saved?.width) ? saved.width : DEFAULT_SIZE.width, MIN_SIZE.width, largest.width);
  const height = fit(
    finite(saved?.height) ? saved.height : DEFAULT_SIZE.height,
    MIN_SIZE.height,
    largest.height,
  );
  const maximized = saved?.maximized === true;
  if (!saved || !finite(saved.x) || !finite(saved.y)) return { bounds: { width, height }, maximized };
  const rect = { x: Math.round(saved.x), y: Math.round(saved.y), width, height };
  // The title bar (top strip) must be reachable on some screen.
  const titleBar = { x: rect.x, y: rect.y, width: rect.width, height: Math.min(VISIBLE, rect.height) };
  const visible = workAreas.some((a) => {
    const o = overlap(titleBar, a);
    return o.w >= VISIBLE && o.h >= Math.min(VISIBLE, titleBar.height) / 2;
  });
  return visible ? { bounds: rect, maximized } : { bounds: { width, height }, maximized };
}

/** What to remember: the normal (unmaximized) bounds plus whether it is maximized. */
export function captureWindowState(win: { getNormalBounds(): Rect; isMaximized(): boolean }): WindowState {
  const b = win.getNormalBounds();
  return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
}
