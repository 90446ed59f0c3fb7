// Settings and Troubleshoot in Chromium against `berth serve` hosting its own engine (so restart, reset
// and the engine log are real), plus a second real engine to connect to.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { busyboxEntries } from '../support/images.js';
import { buildTar } from '../support/layers.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';

let dir: string;
let serve: TestServe;
let other: TestEngine;
let browser: Browser;
/** Pages of the running test, photographed if it fails. */
let pages: Page[] = [];

async function open(hash: string): Promise<Page & { errors: string[] }> {
  const page = await openApp(browser, serve, { hash });
  pages.push(page);
  return page;
}

beforeEach(() => {
  pages = [];
  onTestFailed(async () => {
    for (const [i, p] of pages.entries()) {
      await screenshot(p, `settings-failure-${i}`).catch(() => undefined);
      console.error(
        `page ${i} (${p.url()}) errors: ${JSON.stringify((p as Page & { errors: string[] }).errors)}`,
      );
    }
  });
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-se2e-'));
  // Nobody serves this socket, so `berth serve` starts (and hosts) an engine of its own there.
  serve = await startServe({ socket: join(dir, 'hosted.sock'), dataRoot: join(dir, 'hosted-data') });
  other = await startEngine();
  const tar = join(dir, 'busybox.tar');
  writeFileSync(tar, await buildTar(busyboxEntries()));
  const imported = await other.docker(['import', tar, 'other-box:latest']);
  expect(imported.code, imported.stderr).toBe(0);
  const created = await other.docker(['create', '--name', 'on-the-other-engine', 'other-box', 'true']);
  expect(created.code, created.stderr).toBe(0);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await other?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const appSettings = () =>
  JSON.parse(readFileSync(join(serve.configHome, 'berth', 'app-settings.json'), 'utf8'));
const theme = (page: Page) => page.locator('html').getAttribute('data-theme');
const lang = (page: Page) => page.locator('html').getAttribute('lang');

describe('settings', () => {
  it('adds a connection to a second engine, switches to it and back', async () => {
    const page = await open('#/settings/connections');
    const table = page.getByRole('table');
    const embedded = table.getByRole('row').filter({ hasText: 'Berth (embedded)' });
    await expect.poll(() => embedded.textContent(), { timeout: 15_000 }).toContain('Current');
    await expect.poll(() => embedded.textContent(), { timeout: 15_000 }).toContain('Up');
    const engineFacts = page.getByRole('definition').and(page.getByTestId('engine-containers'));
    await expect.poll(() => engineFacts.textContent(), { timeout: 15_000 }).toBe('0 containers (0 running)');

    await page.getByLabel('Connection name').fill('Second engine');
    await page.getByLabel('Address').fill(`unix://${other.socket}`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const second = table.getByRole('row').filter({ hasText: 'Second engine' });
    await expect.poll(() => second.textContent(), { timeout: 15_000 }).toContain('Up');
    await screenshot(page, 'settings');

    await page.getByRole('button', { name: 'Use Second engine' }).click();
    await expect.poll(() => second.textContent(), { timeout: 15_000 }).toContain('Current');
    await expect
      .poll(() => page.locator('#connection-select option:checked').textContent(), { timeout: 15_000 })
      .toBe('Second engine');
    await expect.poll(() => engineFacts.textContent(), { timeout: 15_000 }).toBe('1 containers (0 running)');
    // The container list now shows the other engine's container.
    await page.getByRole('link', { name: 'Containers' }).click();
    try {
      await page.getByText('on-the-other-engine').first().waitFor({ timeout: 15_000 });
    } finally {
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.getByRole('button', { name: 'Use Berth (embedded)' }).click();
    }
    await expect.poll(() => engineFacts.textContent(), { timeout: 15_000 }).toBe('0 containers (0 running)');
    await page.getByRole('button', { name: 'Remove Second engine' }).click();
    await expect.poll(() => second.count(), { timeout: 15_000 }).toBe(0);
    expect(page.errors).toEqual([]);
  });

  it('switches theme and language live, keeps them in the app settings, and toggles them from the palette', async () => {
    const page = await open('#/settings/appearance');
    await page.getByRole('group', { name: 'Theme' }).waitFor({ timeout: 30_000 });
    expect(await theme(page)).toBe('light');
    await page.getByRole('button', { name: 'Dark' }).click();
    expect(await theme(page)).toBe('dark');
    await page.getByRole('button', { name: '简体中文' }).click();
    await page.getByRole('heading', { name: '设置', level: 1 }).waitFor();
    expect(await lang(page)).toBe('zh-CN');
    expect(await page.getByRole('button', { name: '深色' }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(appSettings).toMatchObject({ theme: 'dark', language: 'zh-CN' });

    // A fresh browser (no local cache) gets them from the app settings.
    const fresh = await open('#/settings/connections');
    await fresh.getByRole('heading', { name: '设置', level: 1 }).waitFor({ timeout: 30_000 });
    expect(await theme(fresh)).toBe('dark');
    await fresh
      .getByRole('row')
      .filter({ hasText: 'Berth (embedded)' })
      .filter({ hasText: '正常' })
      .waitFor();
    await screenshot(fresh, 'settings-zh-dark');

    // The palette toggles both back.
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: '命令面板' }).fill('toggle theme');
    await page.keyboard.press('Enter');
    await expect.poll(() => theme(page)).toBe('light');
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: '命令面板' }).fill('switch language');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await expect.poll(appSettings).toMatchObject({ theme: 'light', language: 'en' });
    expect(page.errors).toEqual([]);
    expect(fresh.errors).toEqual([]);
  });

  it('writes Docker Hub mirrors to the engine config and restarts the engine to apply them', async () => {
    const page = await open('#/settings/registries');
    const mirrors = page.getByRole('textbox', { name: 'Docker Hub mirrors' });
    await mirrors.waitFor({ timeout: 15_000 });
    await mirrors.fill('https://mirror.example.com\n');
    await page.getByRole('textbox', { name: 'Insecure registries' }).fill('registry.local:5000');
    await page.getByRole('button', { name: 'Save engine settings' }).click();
    const apply = page.getByRole('button', { name: 'Restart engine to apply' });
    await apply.waitFor({ timeout: 15_000 });
    expect(JSON.parse(readFileSync(join(serve.configHome, 'berth', 'config.json'), 'utf8'))).toEqual({
      'registry-mirrors': ['https://mirror.example.com'],
      'insecure-registries': ['registry.local:5000'],
    });
    await screenshot(page, 'settings-registries');
    await apply.click();
    // The notice goes once the engine is back with the new settings.
    await page
      .getByText('Restart the engine to apply these changes.')
      .waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByRole('link', { name: 'Engine', exact: true }).click();
    await page.getByText('Data location', { exact: true }).first().waitFor();
    await screenshot(page, 'settings-engine');
    expect(page.errors).toEqual([]);
  });
});

describe('troubleshoot', () => {
  it('shows the engine log and state, restarts the engine and resets its data', async () => {
    const page = await open('#/troubleshoot');
    const log = page.getByRole('log', { name: 'Engine log' });
    await expect.poll(() => log.textContent(), { timeout: 15_000 }).toMatch(/listening on unix:\/\//);
    await page.getByText('Running', { exact: true }).waitFor();
    await screenshot(page, 'troubleshoot');

    await page.getByRole('button', { name: 'Restart engine' }).click();
    // New lines arrive live, without a refresh.
    await expect
      .poll(() => log.textContent(), { timeout: 30_000 })
      .toMatch(/restarting the engine[\s\S]*listening/);
    await page.getByRole('button', { name: 'Restart engine' }).and(page.locator(':enabled')).waitFor();

    await page.getByRole('button', { name: 'Reset data…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset all engine data?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(join(dir, 'hosted-data'));
    const confirm = dialog.getByRole('button', { name: 'Delete all data' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type “reset” to confirm').fill('reset');
    await confirm.click();
    await page.getByText('Engine data reset').waitFor({ timeout: 60_000 });
    await expect.poll(() => log.textContent()).toMatch(/data root .* deleted/);
    expect(page.errors).toEqual([]);
  });
});
