// Volumes and Disk usage in Chromium against `berth serve` on a real engine: create a volume in the
// UI, use it from a container (made through the API), see its users, browse, download, export and
// import, then read the disk usage page and reclaim with the confirmation. Screenshots for people.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';

let reg: TestRegistry;
let fx: Fixtures;
let engine: TestEngine;
let serve: TestServe;
let browser: Browser;
const downloads = mkdtempSync(join(tmpdir(), 'berth-e2e-dl-'));

async function docker(args: string[]): Promise<string> {
  const r = await engine.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** Saves the download a click starts and returns its name and bytes. */
async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; body: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const path = join(downloads, dl.suggestedFilename());
  await dl.saveAs(path);
  return { name: dl.suggestedFilename(), body: readFileSync(path) };
}

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  engine = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  await docker(['pull', fx.busybox.ref]);
  // Something for the disk page to show: an image of its own (three-layer), and a dangling image
  // next to tagged ones that share busybox's layer (moving v1, v2).
  await docker(['pull', fx.threeLayer.ref]);
  await docker(['pull', fx.moving.v1.ref]);
  await fx.moving.moveTo('v2');
  await docker(['pull', fx.moving.v2.ref]);
  await fx.moving.moveTo('v1');
  serve = await startServe(engine);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
  await reg?.stop();
  rmSync(downloads, { recursive: true, force: true });
});

describe('volumes page', () => {
  let page: Page & { errors: string[] };
  let writerId = '';

  it('creates a volume from the dialog', async () => {
    page = await openApp(browser, serve, { hash: '#/volumes' });
    await page.getByRole('heading', { name: 'Volumes' }).waitFor();
    await page.getByRole('button', { name: 'Create volume' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create a volume' });
    await dialog.getByLabel('Name').fill('webdata');
    await dialog.getByLabel('Labels').fill('app=web');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row', { name: 'webdata' }).waitFor({ timeout: 15_000 });
    expect(await docker(['volume', 'inspect', 'webdata', '--format', '{{json .Labels}}'])).toBe(
      '{"app":"web"}',
    );
  });

  it('shows the containers that use it, live, with links to them', async () => {
    writerId = await docker([
      'run',
      '-d',
      '--name',
      'web-writer',
      '-v',
      'webdata:/data',
      fx.busybox.ref,
      'sh',
      '-c',
      'echo "<h1>hello</h1>" > /data/index.html && mkdir -p /data/assets && ' +
        'head -c 250000 /dev/zero > /data/assets/blob.bin',
    ]);
    await docker(['wait', 'web-writer']);
    await docker([
      'run',
      '-d',
      '--name',
      'web-server',
      '-v',
      'webdata:/srv:ro',
      fx.busybox.ref,
      'sleep',
      '600',
    ]);
    const row = page.getByRole('row', { name: 'webdata' });
    // Engine events refresh the list: no reload.
    await row.getByRole('link', { name: 'web-server' }).waitFor({ timeout: 15_000 });
    const writer = row.getByRole('link', { name: 'web-writer' });
    expect(await writer.getAttribute('href')).toBe(`#/containers/${writerId}/inspect`);
    await expect.poll(() => row.getByRole('cell').nth(2).textContent(), { timeout: 15_000 }).toMatch(/kB/);
    // A running user is marked so (the list caught up with the start event).
    await row
      .getByRole('link', { name: 'web-server' })
      .locator('.status-dot.up')
      .waitFor({ timeout: 15_000 });
    await screenshot(page, 'volumes-list');
  });

  it('explains why a volume in use cannot be removed', async () => {
    await page.getByRole('button', { name: 'Remove webdata' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove volume webdata?' });
    await dialog.getByText(/in use by 2 container/).waitFor();
    expect(await dialog.getByRole('button', { name: 'Remove' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('browses the volume and downloads a file', async () => {
    await page.getByRole('link', { name: 'Browse webdata' }).click();
    await expect.poll(() => page.url()).toContain('#/volumes/webdata/files');
    const files = page.getByRole('table', { name: 'Files in /' });
    await files.getByRole('row', { name: 'index.html' }).waitFor({ timeout: 15_000 });
    await files.getByRole('row', { name: 'assets' }).waitFor();
    await page.getByRole('region', { name: 'Used by' }).getByRole('link', { name: 'web-server' }).waitFor();
    await screenshot(page, 'volume-files');
    const file = await download(page, () =>
      files.getByRole('button', { name: 'Download index.html' }).click(),
    );
    expect(file).toMatchObject({ name: 'index.html' });
    expect(file.body.toString()).toBe('<h1>hello</h1>\n');
    // Into a folder with the keyboard: focus its row, Enter.
    await files.getByRole('row', { name: 'assets' }).focus();
    await page.keyboard.press('Enter');
    const assets = page.getByRole('table', { name: 'Files in /assets' });
    await assets.getByRole('row', { name: 'blob.bin' }).waitFor({ timeout: 15_000 });
    const blob = await download(page, () =>
      assets.getByRole('button', { name: 'Download blob.bin' }).click(),
    );
    expect(blob.body.length).toBe(250_000);
  });

  it('exports the volume to a tar and imports it as a new volume', async () => {
    const tar = await download(page, () => page.getByRole('button', { name: 'Export', exact: true }).click());
    expect(tar.name).toBe('webdata.tar');
    expect(tar.body.length).toBeGreaterThan(250_000);
    await page.getByRole('link', { name: '← Volumes' }).click();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a volume from a tar' });
    await dialog.getByLabel('Volume').fill('restored');
    await dialog.getByText('A new volume with this name is created.').waitFor();
    await dialog.getByLabel('Tar file').setInputFiles(join(downloads, 'webdata.tar'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.url(), { timeout: 30_000 }).toContain('#/volumes/restored/files');
    await page
      .getByRole('table', { name: 'Files in /' })
      .getByRole('row', { name: 'index.html' })
      .waitFor({ timeout: 15_000 });
    expect(
      await docker(['run', '--rm', '-v', 'restored:/r', fx.busybox.ref, 'wc', '-c', '/r/assets/blob.bin']),
    ).toBe('250000 /r/assets/blob.bin');
    expect(page.errors).toEqual([]);
  });
});

describe('disk usage page', () => {
  let page: Page & { errors: string[] };

  it('pictures what takes space', async () => {
    page = await openApp(browser, serve, { hash: '#/disk', viewport: { width: 1280, height: 1000 } });
    await page.getByRole('heading', { name: 'Disk usage' }).waitFor();
    const map = page.getByRole('img', { name: /Treemap of .* of disk usage/ });
    await map.waitFor({ timeout: 15_000 });
    expect(await page.locator('.disk-leaf.disk-kind-shared').count()).toBe(1);
    expect(await page.locator('.disk-leaf.disk-kind-images').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.disk-leaf.disk-kind-volumes').count()).toBeGreaterThanOrEqual(2);
    // The page's total is the engine's: layers + writable layers + volumes.
    const df = JSON.parse(await engine.request('GET', '/system/df').then((r) => r.body.toString())) as {
      LayersSize: number;
      Containers: { SizeRw: number }[];
      Volumes: { UsageData: { Size: number } }[];
    };
    const total =
      df.LayersSize +
      df.Containers.reduce((n, c) => n + c.SizeRw, 0) +
      df.Volumes.reduce((n, v) => n + v.UsageData.Size, 0);
    const shown = await page.getByTestId('disk-total').textContent();
    expect(shown).toBe(formatBytesLikeUi(total));
    // Hovering a tile names it.
    const tile = page.locator('.disk-leaf.disk-kind-volumes').first();
    await tile.hover();
    const tip = page.getByRole('tooltip');
    await tip.waitFor();
    expect(await tip.textContent()).toMatch(/webdata|restored/);
    await screenshot(page, 'disk-usage');
  });

  it('reclaims space after a confirmation that lists what goes', async () => {
    await page.getByRole('button', { name: 'Reclaim space' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reclaim disk space' });
    const plan = dialog.getByRole('region', { name: 'What will be removed' });
    await plan.getByText('web-writer').waitFor({ timeout: 15_000 });
    await plan.getByText(/^<none> /).waitFor();
    expect(await plan.getByText('restored').count()).toBe(0);
    await dialog.getByLabel('Unused volumes').check();
    await plan.getByText('restored').waitFor();
    // webdata is still used by the running web-server.
    expect(await plan.getByText('webdata').count()).toBe(0);
    await screenshot(page, 'disk-reclaim');
    await dialog.getByRole('button', { name: /^Reclaim / }).click();
    await page.getByText(/Removed 3 item\(s\), .* freed/).waitFor({ timeout: 30_000 });
    expect(await docker(['ps', '-a', '--format', '{{.Names}}'])).toBe('web-server');
    expect((await docker(['volume', 'ls', '-q'])).split('\n')).toEqual(['webdata']);
    expect(await docker(['images', '-q', '--filter', 'dangling=true'])).toBe('');
    expect(page.errors).toEqual([]);
  });

  it('looks right in the dark theme', async () => {
    const dark = await openApp(browser, serve, { hash: '#/disk', viewport: { width: 1280, height: 1000 } });
    await dark.emulateMedia({ colorScheme: 'dark' });
    await dark.getByRole('img', { name: /Treemap/ }).waitFor({ timeout: 15_000 });
    expect(await dark.locator('html').getAttribute('data-theme')).toBe('dark');
    await dark.locator('.disk-leaf.disk-kind-images').first().hover();
    await screenshot(dark, 'disk-usage-dark');
    expect(dark.errors).toEqual([]);
  });
});

/** The UI's formatBytes (renderer/src/components/format.ts), for comparing what the page shows. */
function formatBytesLikeUi(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : v < 100 ? 1 : 0)} ${units[i]}`;
}
