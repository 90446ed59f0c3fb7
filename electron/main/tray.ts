// The tray (menu-bar) icon: the engine's state at a glance and the quick actions. The menu is plain
// data and the icon a PNG drawn here, so both are tested in Node.
import type { MenuItemConstructorOptions } from 'electron';
import type { EngineState } from '../backend/engine-host.js';
import { fill, type MainStrings } from './strings.js';
import { encodePng } from './png.js';

export type TrayState = EngineState | 'none';

export interface TrayActions {
  open(): void;
  restartEngine(): void;
  quit(): void;
}

export function trayTooltip(state: TrayState, s: MainStrings): string {
  return fill(s.tooltip, { state: s.engineState[state] });
}

export function trayMenuTemplate(
  state: TrayState,
  s: MainStrings,
  a: TrayActions,
): MenuItemConstructorOptions[] {
  return [
    { label: fill(s.engineLine, { state: s.engineState[state] }), enabled: false },
    { type: 'separator' },
    { label: s.open, click: () => a.open() },
    {
      label: s.restartEngine,
      // Only an engine this app started, and not while it is already starting.
      enabled: state === 'running' || state === 'failed' || state === 'stopped',
      click: () => a.restartEngine(),
    },
    { type: 'separator' },
    { label: s.quit, click: () => a.quit() },
  ];
}

const STATE_COLOURS: Record<TrayState, [number, number, number]> = {
  running: [31, 157, 85],
  external: [31, 157, 85],
  starting: [201, 138, 6],
  failed: [217, 58, 58],
  stopped: [130, 140, 155],
  none: [130, 140, 155],
};

/**
 * The Berth mark (a blue disc with a white ring, like a porthole) with a status dot in the corner,
 * as a size×size RGBA PNG. Drawn with 4×4 supersampling so the edges are smooth at 16–32 px.
 */
export function iconPng(size: number, state: TrayState | 'app' = 'app'): Buffer {
  const rgba = Buffer.alloc(size * size * 4);
  const c = size / 2;
  const R = size * 0.47;
  const ring = [size * 0.2, size * 0.3];
  const dot =
    state === 'app'
      ? undefined
      : { x: size * 0.78, y: size * 0.78, r: size * 0.22, rgb: STATE_COLOURS[state] };
  const edges = (px: number, py: number) => {
    const d = Math.hypot(px - c, py - c);
    const out = [d - R, d - ring[0]!, d - ring[1]!];
    if (dot) {
      const dd = Math.hypot(px - dot.x, py - dot.y);
      out.push(dd - dot.r, dd - (dot.r - size * 0.06));
    }
    return out;
  };
  const colourAt = (px: number, py: number): [number, number, number, number] => {
    const d = Math.hypot(px - c, py - c);
    let col: [number, number, number, number] = [0, 0, 0, 0];
    if (d <= R) col = d >= ring[0]! && d <= ring[1]! ? [255, 255, 255, 255] : [47, 111, 237, 255];
    if (dot) {
      const dd = Math.hypot(px - dot.x, py - dot.y);
      if (dd <= dot.r) col = dd >= dot.r - size * 0.06 ? [255, 255, 255, 255] : [...dot.rgb, 255];
    }
    return col;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Only pixels an edge passes through are supersampled (4×4); the rest take one sample.
      const S = edges(x + 0.5, y + 0.5).some((e) => Math.abs(e) < 0.75) ? 4 : 1;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const col = colourAt(x + (sx + 0.5) / S, y + (sy + 0.5) / S);
          r += col[0] * col[3];
          g += col[1] * col[3];
          b += col[2] * col[3];
          a += col[3];
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
      }
      rgba[i + 3] = Math.round(a / (S * S));
    }
  }
  return encodePng(size, size, rgba);
}
