// The IPC bridge end to end in plain Node: the preload's window.berth (createBerthApi) over a fake
// ipcRenderer, a fake ipcMain and webContents, the router and a real BridgeSession/backend.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPC_TO_MAIN, IPC_TO_RENDERER } from '../contract/envelope.js';
import type { BerthBridge } from '../contract/bridge.js';
import type { Backend } from '../backend/context.js';
import { ConnectionManager } from '../backend/connections.js';
import { SettingsStore } from '../backend/settings-store.js';
import { createBerthApi, exposeBridge } from '../preload/bridge.js';
import { IpcRouter, type IpcEventLike, type WebContentsLike } from './ipc-router.js';
import { isTrustedSender } from './security.js';

const INDEX = 'file:///app/dist/renderer/index.html';

function backend(): Backend {
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-ipc-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: 'unix:///nonexistent/berth.sock',
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  return { settings, connections, notify: () => undefined };
}

class FakeWebContents extends EventEmitter implements WebContentsLike {
  destroyed = false;
  readonly renderer = new EventEmitter();
  constructor(readonly id: number) {
    super();
  }
  send(channel: string, message: unknown) {
    // Electron structured-clones IPC messages.
    this.renderer.emit(channel, {}, structuredClone(message));
  }
  isDestroyed() {
    return this.destroyed;
  }
}

/** A window: its webContents, the page's ipcRenderer and the page's window.berth. */
function open(
  ipcMain: EventEmitter,
  id: number,
  frame: { url: string; parent: unknown } | null = { url: INDEX, parent: null },
) {
  const wc = new FakeWebContents(id);
  const ipcRenderer = {
    send: (channel: string, message: unknown) => {
      const event: IpcEventLike = { sender: wc, senderFrame: frame };
      ipcMain.emit(channel, event, structuredClone(message));
    },
    on: (channel: string, listener: (e: unknown, m: unknown) => void) => wc.renderer.on(channel, listener),
  };
  return { wc, berth: createBerthApi(ipcRenderer) };
}

function router(trustedIds: number[]) {
  const ipcMain = new EventEmitter();
  const warnings: string[] = [];
  const r = new IpcRouter(
    ipcMain,
    backend(),
    (s) => isTrustedSender(s, { webContentsIds: trustedIds, indexUrl: INDEX }),
    (w) => warnings.push(w),
  );
  r.start();
  return { ipcMain, router: r, warnings };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('IPC bridge', () => {
  it('answers window.berth calls from our window with result envelopes', async () => {
    const { ipcMain, router: r } = router([1]);
    const { berth } = open(ipcMain, 1);
    const list = await berth.call('connections.list', {});
    expect(list).toMatchObject({ ok: true, value: [{ id: 'embedded', kind: 'embedded', current: true }] });
    // Arguments are validated in main.
    const bad = await berth.call('connections.use', { id: 'embedded', extra: 1 } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    // A dead engine is an error, not a hang.
    expect(await berth.call('system.summary', {})).toMatchObject({
      ok: false,
      error: { code: 'engine-unreachable' },
    });
    expect(r.size).toBe(1);
  });

  it('streams subscriptions and ends them with the error', async () => {
    const { ipcMain } = router([1]);
    const { berth } = open(ipcMain, 1);
    const ended = await new Promise((resolve) =>
      berth.subscribe('events', {}, { onEvent: () => undefined, onEnd: (e) => resolve(e) }),
    );
    expect(ended).toMatchObject({ code: 'engine-unreachable' });
  });

  it('drops messages from other windows, iframes and foreign pages', async () => {
    const { ipcMain, router: r, warnings } = router([1]);
    const calls: Promise<unknown>[] = [];
    const others = [
      open(ipcMain, 2),
      open(ipcMain, 1, { url: INDEX, parent: {} }),
      open(ipcMain, 1, { url: 'https://evil.example/', parent: null }),
      open(ipcMain, 1, null),
    ];
    for (const o of others) calls.push(o.berth.call('connections.list', {}));
    const raced = await Promise.race([
      Promise.all(calls).then(() => 'answered'),
      settle().then(() => 'silence'),
    ]);
    expect(raced).toBe('silence');
    expect(warnings).toHaveLength(4);
    expect(r.size).toBe(0);
  });

  it('releases a window’s session when it is destroyed or navigates to a new page', async () => {
    const { ipcMain, router: r } = router([1, 2]);
    const a = open(ipcMain, 1);
    const b = open(ipcMain, 2);
    await a.berth.call('connections.list', {});
    await b.berth.call('connections.list', {});
    expect(r.size).toBe(2);
    // An in-page (hash) navigation keeps it; a reload does not.
    a.wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(r.size).toBe(2);
    a.wc.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false });
    expect(r.size).toBe(1);
    b.wc.destroyed = true;
    b.wc.emit('destroyed');
    expect(r.size).toBe(0);
    // The reloaded page gets a fresh session.
    expect(await a.berth.call('connections.list', {})).toMatchObject({ ok: true });
    r.close();
    expect(r.size).toBe(0);
    expect(ipcMain.listenerCount(IPC_TO_MAIN)).toBe(0);
  });

  it('exposes only call and subscribe to the page, under window.berth', () => {
    const exposed: Record<string, unknown> = {};
    exposeBridge(
      { exposeInMainWorld: (k, api) => (exposed[k] = api) },
      { send: () => undefined, on: () => undefined },
    );
    const api = exposed.berth as BerthBridge;
    expect(Object.keys(exposed)).toEqual(['berth']);
    expect(Object.keys(api).sort()).toEqual(['call', 'subscribe']);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
    expect(IPC_TO_RENDERER).toBe('berth:to-renderer');
  });
});
