import { describe, expect, it } from 'vitest';
import { captureWindowState, DEFAULT_SIZE, MIN_SIZE, restoreWindowState } from './window-state.js';

const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const external = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('window state', () => {
  it('opens centred at the default size the first time', () => {
    expect(restoreWindowState(undefined, [laptop])).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
  });

  it('comes back where it was', () => {
    const saved = { x: 2100, y: 80, width: 1400, height: 900, maximized: false };
    expect(restoreWindowState(saved, [laptop, external])).toEqual({
      bounds: { x: 2100, y: 80, width: 1400, height: 900 },
      maximized: false,
    });
  });

  it('centres a window whose screen is gone, keeping its size', () => {
    const saved = { x: 2100, y: 80, width: 1400, height: 900, maximized: true };
    expect(restoreWindowState(saved, [laptop])).toEqual({
      bounds: { width: 1400, height: 900 },
      maximized: true,
    });
  });

  it('centres a window whose title bar would be above or beside every screen', () => {
    expect(
      restoreWindowState({ x: 100, y: -500, width: 1000, height: 700, maximized: false }, [laptop]).bounds.x,
    ).toBe(undefined);
    expect(
      restoreWindowState({ x: 1900, y: 10, width: 1000, height: 700, maximized: false }, [laptop]).bounds.x,
    ).toBe(undefined);
  });

  it('keeps the size between the minimum and the largest screen', () => {
    expect(restoreWindowState({ width: 5000, height: 5000, maximized: false }, [laptop]).bounds).toEqual({
      width: 1920,
      height: 1050,
    });
    expect(restoreWindowState({ width: 10, height: 10, maximized: false }, [laptop]).bounds).toEqual(
      MIN_SIZE,
    );
    expect(
      restoreWindowState({ width: Number.NaN, height: 700, maximized: false } as never, [laptop]).bounds
        .width,
    ).toBe(DEFAULT_SIZE.width);
  });

  it('remembers the normal bounds of a maximized window', () => {
    const win = {
      getNormalBounds: () => ({ x: 10, y: 20, width: 1000, height: 700 }),
      isMaximized: () => true,
    };
    expect(captureWindowState(win)).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
  });
});
