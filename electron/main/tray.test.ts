import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './png.js';
import { mainStrings } from './strings.js';
import { iconPng, trayMenuTemplate, trayTooltip } from './tray.js';
import { createNotifier } from './notifier.js';

const en = mainStrings('en');

/** Checks the PNG structure (signature, chunk CRCs) and returns its pixels. */
function decode(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const data = png.subarray(at + 8, at + 8 + len);
    expect(png.readUInt32BE(at + 8 + len)).toBe(crc32(png.subarray(at + 4, at + 8 + len)));
    chunks.push({ type: png.toString('ascii', at + 4, at + 8), data });
    at += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const width = chunks[0].data.readUInt32BE(0);
  const raw = inflateSync(chunks[1].data);
  expect(raw.length).toBe((width * 4 + 1) * chunks[0].data.readUInt32BE(4));
  const row = width * 4 + 1;
  return {
    width,
    pixel: (x: number, y: number) => [...raw.subarray(y * row + 1 + x * 4, y * row + 1 + x * 4 + 4)],
  };
}

describe('tray', () => {
  it('shows the engine state and the quick actions', () => {
    const calls: string[] = [];
    const menu = trayMenuTemplate('running', en, {
      open: () => calls.push('open'),
      restartEngine: () => calls.push('restart'),
      quit: () => calls.push('quit'),
    });
    expect(menu.map((m) => m.label ?? m.type)).toEqual([
      'Engine: running',
      'separator',
      'Open Berth',
      'Restart Engine',
      'separator',
      'Quit Berth',
    ]);
    expect(menu[0].enabled).toBe(false);
    for (const m of menu) (m.click as (() => void) | undefined)?.();
    expect(calls).toEqual(['open', 'restart', 'quit']);
    expect(trayTooltip('failed', en)).toBe('Berth — engine failed');
    expect(trayTooltip('running', mainStrings('zh-CN'))).toBe('Berth — 引擎运行中');
  });

  it('offers a restart only for an engine it controls that is not already starting', () => {
    const restart = (s: Parameters<typeof trayMenuTemplate>[0]) =>
      trayMenuTemplate(s, en, { open() {}, restartEngine() {}, quit() {} })[3].enabled;
    expect(restart('running')).toBe(true);
    expect(restart('failed')).toBe(true);
    expect(restart('starting')).toBe(false);
    expect(restart('external')).toBe(false);
    expect(restart('none')).toBe(false);
  });

  it('draws a valid PNG icon whose status dot follows the state', () => {
    const running = decode(iconPng(32, 'running'));
    expect(running.width).toBe(32);
    expect(running.pixel(0, 0)[3]).toBe(0); // transparent corner
    expect(running.pixel(16, 3)).toEqual([47, 111, 237, 255]); // the blue disc
    expect(running.pixel(25, 25)).toEqual([31, 157, 85, 255]); // green status dot
    expect(decode(iconPng(32, 'failed')).pixel(25, 25)).toEqual([217, 58, 58, 255]);
    expect(decode(iconPng(256)).width).toBe(256);
  });
});

describe('notifications', () => {
  it('notifies only when the window is not focused, and brings it back on click', () => {
    let focused = true;
    const shown: string[] = [];
    let click: () => void = () => undefined;
    const focusCalls: number[] = [];
    const notify = createNotifier({
      isFocused: () => focused,
      isSupported: () => true,
      show: (n, onClick) => {
        shown.push(`${n.title}: ${n.body}`);
        click = onClick;
      },
      focusWindow: () => focusCalls.push(1),
    });
    notify({ title: 'Pull complete', body: 'busybox:latest' });
    expect(shown).toEqual([]);
    focused = false;
    notify({ title: 'Pull complete', body: 'busybox:latest' });
    expect(shown).toEqual(['Pull complete: busybox:latest']);
    click();
    expect(focusCalls).toEqual([1]);
  });
});
