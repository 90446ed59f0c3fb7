// The Containers pages in Chromium against `berth serve` on a real engine and a loopback registry:
// run a container from the dialog (pulling its image), find it in the list, stop/start it, bulk
// actions, the details tabs (inspect, stats, files, processes), and screenshots in light and dark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages, type Fixtures } from '../support/images.js';
import { freePort } from '../support/processes.js';
import { httpRequest } from '../support/http.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';

let reg: TestRegistry;
let fx: Fixtures;
let engine: TestEngine;
let serve: TestServe;
let browser: Browser;
let page: Page & { errors: string[] };
let hostPort = 0;

const T = 30_000;

beforeAll(async () => {
  reg = await startRegistry();
  fx = await pushFixtureImages(reg);
  engine = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  serve = await startServe(engine);
  browser = await launchBrowser();
  page = await openApp(browser, serve, { hash: '#/containers', viewport: { width: 1400, height: 860 } });
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
  await reg?.stop();
});

/** The list row of a container (found by its name link, so "web" does not match "shop-web-1"). */
const row = (name: string) =>
  page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
const goList = async () => {
  await page.evaluate("location.hash = '#/containers'");
  await page.getByRole('heading', { name: 'Containers', level: 1 }).waitFor({ timeout: T });
};

describe('containers in the web UI', () => {
  it('runs a container from the dialog, pulling the missing image with progress', async () => {
    expect((await engine.docker(['image', 'inspect', fx.busybox.ref])).code).not.toBe(0);
    await page.getByText('No containers yet', { exact: false }).waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await dialog.waitFor();

    // Validation speaks before anything runs.
    await dialog.getByRole('button', { name: 'Run' }).click();
    await dialog.getByText('Enter the image to run').waitFor();
    await dialog.getByLabel('Image', { exact: true }).fill(fx.busybox.ref);
    await dialog.getByLabel('Name', { exact: true }).fill('-web');
    await dialog.getByRole('button', { name: 'Run' }).click();
    await dialog.getByText('A name has at least 2 characters').waitFor();
    expect(await dialog.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    hostPort = await freePort();
    await dialog.getByLabel('Name', { exact: true }).fill('web');
    await dialog
      .getByLabel('Command', { exact: true })
      .fill(
        `sh -c 'while true; do printf "HTTP/1.0 200 OK\\r\\n\\r\\nhello from web\\n" | nc -l -p 80; done'`,
      );
    await dialog.getByRole('button', { name: 'Add port' }).click();
    await dialog.getByLabel('Host port 1', { exact: true }).fill(String(hostPort));
    await dialog.getByLabel('Container port 1', { exact: true }).fill('80');
    await dialog.getByRole('button', { name: 'Add mount' }).click();
    await dialog.getByLabel('Mount source 1', { exact: true }).fill('web-data');
    await dialog.getByLabel('Mount target 1', { exact: true }).fill('/data');
    await dialog.getByLabel('Environment variables', { exact: true }).fill('GREETING=hello\nMODE=test');
    await dialog.getByLabel('Memory limit', { exact: true }).fill('64m');
    await dialog.getByLabel('Restart policy', { exact: true }).selectOption('unless-stopped');
    await screenshot(page, 'container-run-dialog');

    await dialog.getByRole('button', { name: 'Run' }).click();
    // The pull shows its progress in the dialog, then the new container's details open.
    await dialog
      .getByRole('progressbar', { name: 'Pull progress' })
      .or(page.getByRole('heading', { name: 'web' }))
      .first()
      .waitFor({ timeout: T });
    await page.getByRole('heading', { name: 'web', level: 1 }).waitFor({ timeout: 60_000 });
    expect(page.url()).toMatch(/#\/containers\/[0-9a-f]{64}\/logs$/);
    expect((await engine.docker(['image', 'inspect', fx.busybox.ref])).code).toBe(0);
    const inspect = JSON.parse((await engine.docker(['inspect', 'web'])).stdout)[0];
    expect(inspect.Config.Env).toContain('GREETING=hello');
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(inspect.Mounts).toContainEqual(
      expect.objectContaining({ Name: 'web-data', Destination: '/data' }),
    );
  }, 120_000);

  it('lists containers grouped by Compose project, with ports, sparklines and search', async () => {
    for (const [name, project] of [
      ['shop-web-1', 'shop'],
      ['shop-db-1', 'shop'],
      ['idle', ''],
    ]) {
      const labels = project ? ['--label', `com.docker.compose.project=${project}`] : [];
      const r = await engine.docker([
        'run',
        '-d',
        '--name',
        name!,
        ...labels,
        fx.busybox.ref,
        'sleep',
        '3600',
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    await goList();
    await row('web').waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Collapse shop' }).waitFor({ timeout: T });
    await row('shop-db-1').waitFor();
    expect(await page.getByText('2 of 2 running').count()).toBe(1);

    const port = page.getByRole('link', { name: `${hostPort}:80` });
    expect(await port.getAttribute('href')).toBe(`http://localhost:${hostPort}`);
    const res = await httpRequest(`http://127.0.0.1:${hostPort}/`);
    expect(res.text()).toContain('hello from web');
    const [popup] = await Promise.all([page.context().waitForEvent('page'), port.click()]);
    expect(popup.url()).toContain(`localhost:${hostPort}`);
    await popup.close();

    // Sparklines for the running containers on screen.
    await page.getByRole('img', { name: 'CPU use of web' }).waitFor({ timeout: T });
    await page.getByRole('img', { name: 'Memory use of idle' }).waitFor({ timeout: T });
    await page.waitForTimeout(2500); // a few samples, so the lines have a shape
    await screenshot(page, 'containers-list');

    await page.getByRole('searchbox', { name: 'Search containers' }).fill('shop');
    await expect.poll(() => row('idle').count()).toBe(0);
    expect(await row('shop-web-1').count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Search containers' }).fill('');
    await row('idle').waitFor();
  }, 120_000);

  it('stops and starts a container from its row', async () => {
    await row('web').getByRole('button', { name: 'Stop web' }).click();
    await row('web')
      .getByText(/Exited/)
      .waitFor({ timeout: T });
    await page.getByRole('button', { name: 'Stopped' }).click();
    await row('web').waitFor();
    expect(await row('idle').count()).toBe(0);
    await page.getByRole('button', { name: 'All' }).click();
    await row('web').getByRole('button', { name: 'Start web' }).click();
    await row('web').getByText('Running').waitFor({ timeout: T });
  }, 60_000);

  it('selects several containers and acts on them together', async () => {
    await page.getByRole('checkbox', { name: 'Select every container of shop' }).click();
    await page.getByRole('checkbox', { name: 'Select idle' }).click();
    const bar = page.getByRole('toolbar', { name: 'Actions on the selected containers' });
    await bar.getByText('3 selected').waitFor();
    await bar.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByText('0 of 2 running').count(), { timeout: T }).toBe(1);
    await row('idle')
      .getByText(/Exited/)
      .waitFor({ timeout: T });

    await bar.getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove 3 containers?' });
    await confirm.getByText('shop-db-1').waitFor();
    await confirm.getByRole('button', { name: 'Remove 3' }).click();
    await expect.poll(() => row('idle').count(), { timeout: T }).toBe(0);
    expect(await page.getByRole('button', { name: 'Collapse shop' }).count()).toBe(0);
    const ps = await engine.docker(['ps', '-a', '--format', '{{.Names}}']);
    expect(ps.stdout.trim().split('\n')).toEqual(['web']);
  }, 60_000);

  it('opens details from the keyboard and shows inspect, stats, files and processes', async () => {
    const grid = page.getByRole('grid', { name: 'Containers' });
    await grid.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'web', level: 1 }).waitFor({ timeout: T });
    const tab = (name: string) => page.getByRole('tab', { name });

    await tab('Inspect').click();
    const tree = page.getByRole('tree', { name: 'Inspect data of web' });
    await tree.waitFor({ timeout: T });
    await tree.getByRole('button', { name: /^State/ }).click();
    await tree.getByText('"running"').first().waitFor();
    await screenshot(page, 'container-details-inspect');

    await tab('Stats').click();
    await page.getByRole('img', { name: /^CPU: CPU \d/ }).waitFor({ timeout: T });
    await expect
      .poll(() => page.getByRole('img', { name: /^Memory: Used \d/ }).count(), { timeout: T })
      .toBe(1);
    await page.waitForTimeout(3000);
    await screenshot(page, 'container-details-stats');

    await tab('Files').click();
    await page.getByRole('button', { name: 'Open folder etc' }).click();
    await page.getByRole('button', { name: 'passwd', exact: true }).waitFor({ timeout: T });
    await page.getByRole('button', { name: '/', exact: true }).click();
    await page.getByRole('button', { name: 'Open folder tmp' }).click();
    await page.getByRole('table', { name: 'Files in /tmp' }).waitFor({ timeout: T });
    await page.getByLabel('Upload into /tmp', { exact: true }).setInputFiles({
      name: 'hello.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('uploaded through the UI\n'),
    });
    await page.getByRole('button', { name: 'hello.txt', exact: true }).waitFor({ timeout: T });
    expect((await engine.docker(['exec', 'web', 'cat', '/tmp/hello.txt'])).stdout).toBe(
      'uploaded through the UI\n',
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download hello.txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('hello.txt');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('uploaded through the UI\n');
    await screenshot(page, 'container-details-files');

    await tab('Processes').click();
    const top = page.getByRole('table', { name: 'Processes' });
    await top
      .getByRole('cell', { name: /nc -l -p 80|sh -c/ })
      .first()
      .waitFor({ timeout: T });
    await screenshot(page, 'container-details-processes');
  }, 120_000);

  it('looks right in the dark theme', async () => {
    await page.evaluate("document.documentElement.dataset.theme = 'dark'");
    await page.getByRole('tab', { name: 'Stats' }).click();
    await page.getByRole('img', { name: /^CPU: CPU \d/ }).waitFor({ timeout: T });
    await page.waitForTimeout(2000);
    await screenshot(page, 'container-details-stats-dark');
    await goList();
    await row('web').waitFor({ timeout: T });
    await page.getByRole('img', { name: 'CPU use of web' }).waitFor({ timeout: T });
    await page.waitForTimeout(2000);
    await screenshot(page, 'containers-list-dark');
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    await page.getByRole('dialog', { name: 'Run a container' }).waitFor();
    await screenshot(page, 'container-run-dialog-dark');
    await page.keyboard.press('Escape');
    await page.evaluate("document.documentElement.dataset.theme = 'light'");
  }, 60_000);

  it('removes a container from its details page', async () => {
    await row('web').getByRole('link', { name: 'web', exact: true }).click();
    await page.getByRole('heading', { name: 'web', level: 1 }).waitFor({ timeout: T });
    await page.getByRole('toolbar', { name: 'Actions' }).getByRole('button', { name: 'Remove' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove web?' });
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByText('No containers yet', { exact: false }).waitFor({ timeout: T });
    expect((await engine.docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect(page.errors).toEqual([]);
  }, 60_000);
});
