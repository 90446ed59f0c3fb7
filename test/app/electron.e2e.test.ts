// The desktop shell end to end with Playwright's Electron driver: the app launches, its window
// appears, window.berth answers, and the page is sandboxed. Needs the Electron binary, which CI
// installs without (ELECTRON_SKIP_BINARY_DOWNLOAD=1): then this suite is skipped, saying why.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/engine.js';
import { SCREENSHOT_DIR } from '../support/web.js';

/** The Electron binary `npm install` downloads, if it is there. */
function electronBinary(): string | undefined {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const ELECTRON = electronBinary();
const SKIP_REASON =
  'SKIPPED: no Electron binary (node_modules/electron/dist is missing — installed with ELECTRON_SKIP_BINARY_DOWNLOAD). ' +
  'Get it with `npm rebuild electron` where it can be downloaded to run these tests.';
if (!ELECTRON) console.warn(`test/app/electron.e2e.test.ts ${SKIP_REASON}`);

describe.skipIf(!ELECTRON)(ELECTRON ? 'Electron shell' : `Electron shell — ${SKIP_REASON}`, () => {
  let home: string;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    for (const f of [
      'dist/electron/main/index.js',
      'dist/electron/preload/index.cjs',
      'dist/renderer/index.html',
    ])
      if (!existsSync(join(REPO_ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\``);
    // A private home: the app's settings, its engine's socket and data root all live in here.
    home = mkdtempSync(join(tmpdir(), 'berth-electron-'));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      DOCKER_CONFIG: join(home, 'docker'),
      ELECTRON_DISABLE_SECURITY_WARNINGS: 'false',
    };
    delete env.DOCKER_HOST;
    const args = [REPO_ROOT];
    // Chromium refuses to run as root without its OS sandbox turned off (the page stays sandboxed:
    // no Node, context isolation), and needs a headless platform where there is no display.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) args.unshift('--ozone-platform=headless');
    app = await _electron.launch({ executablePath: ELECTRON, args, env, timeout: 60_000 });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  afterAll(async () => {
    await app?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('opens one window showing the app', async () => {
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor({ timeout: 30_000 });
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
    expect(page.url()).toMatch(/^file:.*\/dist\/renderer\/index\.html/);
  });

  it('answers window.berth calls through the preload bridge', async () => {
    const result = await page.evaluate("window.berth.call('connections.list', {})");
    expect(result).toMatchObject({
      ok: true,
      value: expect.arrayContaining([expect.objectContaining({ id: 'embedded' })]),
    });
    // The embedded engine comes up in its utility process.
    await expect
      .poll(
        () => page.evaluate("window.berth.call('engine.status', {}).then((r) => r.value && r.value.state)"),
        { timeout: 60_000 },
      )
      .toBe('running');
    await page.locator('.status-dot.up').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'electron.png') });
  });

  it('runs the page sandboxed: no Node, no require, context isolation on', async () => {
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    // Context isolation: the page sees window.berth's two functions, not the preload's world.
    expect(await page.evaluate('Object.keys(window.berth).sort().join()')).toBe('call,subscribe');
    expect(await page.evaluate('typeof ipcRenderer + typeof contextBridge')).toBe('undefinedundefined');
  });

  it('refuses to navigate away or open windows', async () => {
    await page.evaluate("location.href = 'https://example.com/'");
    await new Promise((r) => setTimeout(r, 500));
    expect(page.url()).toMatch(/^file:/);
    await page.evaluate("window.open('https://example.com/')");
    await new Promise((r) => setTimeout(r, 500));
    expect(app.windows()).toHaveLength(1);
  });

  it('moves between pages with the Go menu’s shortcuts', async () => {
    await app.evaluate(({ Menu }) => {
      const item = Menu.getApplicationMenu()!
        .items.flatMap((m) => m.submenu?.items ?? [])
        .find((i) => i.accelerator === 'CmdOrCtrl+2')!;
      item.click();
    });
    await expect.poll(() => page.url()).toContain('#/images');
  });
});
