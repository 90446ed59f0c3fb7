// The Images page in Chromium against `berth serve` on a real engine and loopback registries: pull
// with live per-layer progress (throttled so there is something to watch), background pull and
// cancel, filters, tag, details (history, inspect), remove with a conflict then force, prune with a
// preview, push with a login prompt, keyboard and palette.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { buildMultiLayerImage, pushFixtureImages, type Fixtures } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';
import { startThrottleProxy, type ThrottleProxy } from './images.throttle.js';

let reg: TestRegistry;
let authReg: TestRegistry;
let fx: Fixtures;
let slow: ThrottleProxy;
let engine: TestEngine;
let serve: TestServe;
let browser: Browser;
let page: Page & { errors: string[] };

const MB = 1_000_000;

async function docker(args: string[]) {
  const r = await engine.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  [reg, authReg] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
  fx = await pushFixtureImages(reg);
  await buildMultiLayerImage(reg, 'big', { layers: 3, bytesPerLayer: 6 * MB });
  await buildMultiLayerImage(reg, 'bigger', { layers: 2, bytesPerLayer: 6 * MB });
  slow = await startThrottleProxy(reg.url, 1.2 * MB);
  engine = await startEngine({ config: { 'insecure-registries': [reg.host, authReg.host, slow.host] } });
  // Some images in every state: in use (busybox), unused (three-layer, plain), dangling (moving v1).
  await fx.moving.moveTo('v1');
  await docker(['pull', `${reg.host}/moving:latest`]);
  await fx.moving.moveTo('v2');
  for (const ref of [`${reg.host}/moving:latest`, fx.busybox.ref, fx.threeLayer.ref, fx.plain.ref])
    await docker(['pull', ref]);
  await docker(['create', '--name', 'e2e-user', fx.busybox.ref, 'true']);
  serve = await startServe(engine, {
    env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'berth-e2e-dcfg-')) },
  });
  browser = await launchBrowser();
  page = await openApp(browser, serve, { hash: '#/images' });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
  await slow?.stop();
  await Promise.all([reg?.stop(), authReg?.stop()]);
});

const rows = () => page.locator('.img-table tbody tr');
const row = (name: string | RegExp) => page.getByRole('row', { name });

describe('images page', () => {
  it('lists images with status, size and created, and filters them', async () => {
    await row(fx.busybox.ref).waitFor({ timeout: 20_000 });
    await expect.poll(() => rows().count()).toBe(5);
    const busy = row(fx.busybox.ref);
    expect(await busy.getByText('In use').count()).toBe(1);
    expect(await row(fx.plain.ref).getByText('Unused').count()).toBe(1);
    await screenshot(page, 'images-list');

    await page.getByRole('button', { name: /^Dangling/ }).click();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().getByText('Dangling').count()).toBe(1);
    await page.getByRole('button', { name: /^In use/ }).click();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().getAttribute('aria-label')).toBe(fx.busybox.ref);
    await page.getByRole('button', { name: /^Unused/ }).click();
    await expect.poll(() => rows().count()).toBe(4);
    await page.getByRole('button', { name: /^All/ }).click();
    await page.getByRole('searchbox', { name: 'Search images' }).fill('three');
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search images' }).fill('');
    await expect.poll(() => rows().count()).toBe(5);
  });

  it('pulls an image from the dialog with live per-layer progress', async () => {
    await page.getByRole('button', { name: 'Pull…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pull an image' });
    await dialog.getByLabel('Image to pull').fill(`${slow.host}/big:latest`);
    await dialog.getByRole('button', { name: 'Pull', exact: true }).click();
    // Several layers downloading at once, each with its own bar moving.
    const layerBars = dialog.getByRole('progressbar', { name: /^Layer / });
    await expect.poll(() => layerBars.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await expect
      .poll(
        async () => {
          const values = await layerBars.evaluateAll((els) =>
            els.map((e) => Number(e.getAttribute('aria-valuenow') ?? -1)),
          );
          return values.filter((v) => v > 0 && v < 100).length;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(await dialog.getByText('Downloading').count()).toBeGreaterThanOrEqual(2);
    const overall = dialog.getByRole('progressbar', { name: 'Overall progress' });
    expect(Number(await overall.getAttribute('aria-valuenow'))).toBeLessThan(100);
    await screenshot(page, 'images-pull');
    slow.setRate(Infinity);
    await dialog.getByText('Pull complete.').waitFor({ timeout: 30_000 });
    expect(await overall.getAttribute('aria-valuenow')).toBe('100');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await row(`${slow.host}/big:latest`).waitFor();
  });

  it('keeps pulling in the background with an indicator, and cancels', async () => {
    slow.setRate(0.5 * MB);
    await page.getByRole('button', { name: 'Pull…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pull an image' });
    await dialog.getByLabel('Image to pull').fill(`${slow.host}/bigger:latest`);
    await dialog.getByRole('button', { name: 'Pull', exact: true }).click();
    await dialog.getByText('Downloading').first().waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Continue in background' }).click();
    await dialog.waitFor({ state: 'detached' });
    const indicator = page.getByRole('button', { name: `Pulling ${slow.host}/bigger:latest` });
    await indicator.waitFor();
    await indicator.click();
    await dialog.getByRole('button', { name: 'Cancel pull' }).click();
    await dialog.getByText('Pull cancelled.').waitFor();
    await expect.poll(() => slow.inFlight(), { timeout: 10_000 }).toBe(0);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await indicator.waitFor({ state: 'detached' });
    expect(await row(`${slow.host}/bigger:latest`).count()).toBe(0);
    slow.setRate(Infinity);
  });

  it('tags an image, shows its details with history and inspect JSON', async () => {
    await page.getByRole('button', { name: `Tag ${fx.busybox.ref}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Tag image' });
    await dialog.getByLabel('New tag').fill('e2e/tagged:v1');
    await dialog.getByRole('button', { name: 'Tag', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(fx.busybox.ref).getByText('+1').waitFor();

    await row(fx.busybox.ref).getByRole('link').click();
    await expect.poll(() => page.url()).toContain(`#/images/${encodeURIComponent(fx.busybox.configDigest)}`);
    await page.getByRole('heading', { name: fx.busybox.ref }).waitFor();
    const chips = page.getByRole('list', { name: 'Tags' });
    expect(await chips.getByText('e2e/tagged:v1').count()).toBe(1);
    const history = page.getByRole('table', { name: 'Layers' });
    await history.waitFor();
    // One row per build step, the layer step with its size, the CMD step without.
    expect(await history.locator('tbody tr').count()).toBe(fx.busybox.config.history.length);
    expect(await history.getByText('CMD ["sh"]').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'e2e-user' }).count()).toBe(1);
    await screenshot(page, 'image-details');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const run = page.getByRole('dialog', { name: 'Run a container' });
    await run.waitFor();
    expect(await run.getByLabel('Image', { exact: true }).inputValue()).toBe(fx.busybox.ref);
    await run.getByRole('button', { name: 'Cancel' }).click();
    await run.waitFor({ state: 'detached' });

    await page.getByRole('tab', { name: 'Inspect' }).click();
    const json = page.getByRole('tree', { name: 'Inspect' });
    await json.waitFor();
    expect(await json.getByText('Architecture').count()).toBeGreaterThan(0);
    expect(await json.getByText(`"${fx.busybox.configDigest}"`).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Expand all' }).click();
    expect(await json.getByText('PATH=/usr/local/sbin', { exact: false }).count()).toBeGreaterThan(0);
    await screenshot(page, 'image-inspect');
  });

  it('removes a tag, then explains the conflict of removing an image in use and forces it', async () => {
    await page.getByRole('button', { name: 'Remove tag e2e/tagged:v1' }).click();
    const untag = page.getByRole('dialog', { name: 'Remove tag' });
    await untag.getByRole('button', { name: 'Remove', exact: true }).click();
    await untag.waitFor({ state: 'detached' });
    await expect
      .poll(() => page.getByRole('list', { name: 'Tags' }).getByText('e2e/tagged:v1').count())
      .toBe(0);

    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove image' });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await dialog.getByText('The engine refused').waitFor();
    expect(
      await dialog.getByText(/A stopped container \([0-9a-f]{12}\) was created from this image/).count(),
    ).toBe(1);
    expect(await dialog.locator('.img-engine-message').textContent()).toMatch(
      /image is being used by stopped container/,
    );
    await screenshot(page, 'images-remove-conflict');
    await dialog.getByRole('button', { name: 'Force remove' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/images$/);
    await rows().first().waitFor();
    await expect.poll(() => row(fx.busybox.ref).count()).toBe(0);
    await docker(['rm', 'e2e-user']);
  });

  it('prunes with a preview of what goes and the space it returns', async () => {
    await page.getByRole('button', { name: 'Prune…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Prune images' });
    const list = dialog.getByRole('table', { name: 'Images that will be removed' });
    await list.waitFor();
    // Dangling only: the moving image the tag left behind.
    expect(await list.locator('tbody tr').count()).toBe(1);
    expect(await list.getByText('<untagged>').count()).toBe(1);
    expect(await dialog.getByRole('button', { name: 'Remove 1 image' }).count()).toBe(1);
    await screenshot(page, 'images-prune');

    await dialog.getByRole('button', { name: 'All unused' }).click();
    await expect.poll(() => list.locator('tbody tr').count()).toBe(5);
    const size = await dialog.locator('.img-prune-size').textContent();
    expect(size).toMatch(/MB|kB/);
    await dialog.getByRole('button', { name: 'Remove 5 images' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('No images yet. Pull one to get started.').waitFor();
  });

  it('pushes with a login prompt when the registry asks for credentials', async () => {
    await docker(['pull', fx.plain.ref]);
    await docker(['tag', fx.plain.ref, `${authReg.host}/plain:e2e`]);
    // Either tag may come first in the row's name.
    await row(/\/plain:/)
      .getByRole('link')
      .click();
    await page.getByRole('button', { name: 'Push…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Push an image' });
    await dialog.getByLabel('Tag to push').selectOption(`${authReg.host}/plain:e2e`);
    await dialog.getByRole('button', { name: 'Push', exact: true }).click();
    const login = dialog.getByRole('form', { name: 'Registry login' });
    await login.waitFor({ timeout: 20_000 });
    expect(await login.getByLabel('Registry').inputValue()).toBe(authReg.host);
    await login.getByLabel('Username').fill(authReg.username!);
    await login.getByLabel('Password or access token').fill('wrong');
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.getByRole('alert').waitFor();
    await login.getByLabel('Password or access token').fill(authReg.password!);
    await login.getByRole('button', { name: 'Log in' }).click();
    await dialog.getByText('Push complete.').waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  });

  it('navigates the list with the keyboard and opens dialogs from the palette', async () => {
    await page.goto(page.url().replace(/#.*$/, '#/images'));
    await page.reload();
    await row(/plain/).waitFor();
    await rows().first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/images\/sha256/);
    await page.goBack();
    await rows().first().focus();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Remove image' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command palette' }).fill('prune images');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Prune images' }).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command palette' }).fill('pull an image');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Pull an image' }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('looks right in the dark theme and in Chinese', async () => {
    await docker(['pull', fx.threeLayer.ref]);
    await docker(['tag', fx.threeLayer.ref, 'e2e/another:1.0']);
    await page.evaluate("document.documentElement.dataset.theme = 'dark'");
    await row(fx.threeLayer.ref).waitFor();
    await screenshot(page, 'images-list-dark');
    await row(fx.threeLayer.ref).getByRole('link').click();
    await page.getByRole('table', { name: 'Layers' }).waitFor();
    await screenshot(page, 'image-details-dark');
    await page.getByRole('button', { name: 'Prune…' }).count();

    const zh = await openApp(browser, serve, { hash: '#/images', locale: 'zh-CN' });
    await zh.getByRole('button', { name: '拉取…' }).waitFor();
    await zh.getByRole('button', { name: /^使用中/ }).waitFor();
    await screenshot(zh, 'images-list-zh');
    expect(zh.errors).toEqual([]);
    expect(page.errors).toEqual([]);
  });
});
