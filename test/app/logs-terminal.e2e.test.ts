/// <reference lib="dom" />
// The Logs and Terminal tabs of container details in Chromium, against `berth serve` on a real
// engine: logs follow a container printing a line every 0.2 s, pause when scrolled up, search with
// next/previous, timestamps, stderr marked, download; a terminal runs a command, follows the
// viewport's size (`stty size`), copies and pastes, and reconnects after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { startEngine, type TestEngine } from '../support/engine.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtureImages } from '../support/images.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';

let reg: TestRegistry;
let engine: TestEngine;
let serve: TestServe;
let browser: Browser;
let img: string;

async function docker(args: string[]): Promise<string> {
  const r = await engine.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  reg = await startRegistry();
  img = (await pushFixtureImages(reg)).busybox.ref;
  engine = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  await docker(['pull', '-q', img]);
  serve = await startServe(engine);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
  await reg?.stop();
});

/** Opens container details on `tab`; fails clearly if the details page does not embed the view. */
async function openTab(id: string, tab: 'logs' | 'terminal', viewport?: { width: number; height: number }) {
  const page = await openApp(browser, serve, { hash: `#/containers/${id}/${tab}`, viewport });
  const testId = tab === 'logs' ? 'logs-view' : 'terminal-view';
  await page
    .getByTestId(testId)
    .waitFor({ timeout: 20_000 })
    .catch(() => {
      throw new Error(
        `#/containers/<id>/${tab} shows no ${testId}: the container details page must embed it`,
      );
    });
  return page;
}

const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).getAttribute(name);
const lineCount = async (page: Page) => Number(await attr(page, 'logs-view', 'data-line-count'));

describe('Logs tab', () => {
  let ticker: string;
  beforeAll(async () => {
    ticker = await docker([
      'run',
      '-d',
      '--name',
      'ticker',
      img,
      'sh',
      '-c',
      'i=0; while true; do echo "tick $i: the quick brown fox"; [ $((i % 5)) = 0 ] && echo "warn $i" >&2; i=$((i+1)); sleep 0.2; done',
    ]);
  });

  it('follows, pauses on scroll up, searches, shows timestamps and stderr, downloads', async () => {
    const page = await openTab(ticker, 'logs');
    const log = page.getByRole('log', { name: 'Container log' });
    // Following: new lines keep arriving and the newest is in view.
    await expect.poll(() => lineCount(page), { timeout: 15_000 }).toBeGreaterThan(10);
    const before = await lineCount(page);
    await expect.poll(() => lineCount(page), { timeout: 5_000 }).toBeGreaterThan(before + 3);
    const follow = page.getByRole('button', { name: 'Follow' });
    expect(await follow.getAttribute('aria-pressed')).toBe('true');
    const newestVisible = async () => {
      const n = (await lineCount(page)) - 1;
      const row = log.locator(`.log-row[data-line="${n}"]`);
      return (await row.count()) === 1 && (await row.isVisible());
    };
    await expect.poll(newestVisible, { timeout: 5_000 }).toBe(true);
    // stderr lines are marked.
    expect(await log.locator('.log-row.log-stderr').first().textContent()).toMatch(/^warn \d+$/);

    // Wait for enough lines to scroll, then scroll up: following pauses, lines still come in.
    await expect.poll(() => lineCount(page), { timeout: 30_000 }).toBeGreaterThan(60);
    await log.hover();
    await page.mouse.wheel(0, -600);
    await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('false');
    await expect
      .poll(() => page.getByText('Paused — scroll to the bottom or press Follow to resume').count())
      .toBe(1);
    const firstRow = await log.locator('.log-row').first().getAttribute('data-line');
    await page.waitForTimeout(1000);
    expect(await log.locator('.log-row').first().getAttribute('data-line')).toBe(firstRow);
    // Back at the bottom: following resumes.
    await log.focus();
    await page.keyboard.press('End');
    await expect.poll(() => follow.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(newestVisible, { timeout: 5_000 }).toBe(true);

    // Search: highlights, a count, next/previous moving the current match.
    const search = page.getByRole('searchbox', { name: 'Search logs' });
    await search.fill('tick 1');
    await search.press('Enter');
    await expect.poll(() => attr(page, 'logs-view', 'data-search')).toBe('done');
    const matches = Number(await attr(page, 'logs-view', 'data-match-count'));
    expect(matches).toBeGreaterThan(1); // tick 1, tick 10…
    expect(await log.locator('mark').first().textContent()).toBe('tick 1');
    const current = async () => log.locator('.log-row.log-current').getAttribute('data-line');
    const a = await current();
    await page.getByRole('button', { name: 'Previous match' }).click();
    const b = await current();
    expect(b).not.toBe(a);
    await page.getByRole('button', { name: 'Next match' }).click();
    expect(await current()).toBe(a);
    expect(await follow.getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => page.locator('.logs-search-status').textContent()).toMatch(/^\d+ of \d+$/);

    // Timestamps on.
    await page.getByRole('checkbox', { name: 'Timestamps' }).check();
    expect(await log.locator('.log-ts').first().textContent()).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z $/,
    );
    await screenshot(page, 'container-logs');

    // Download: the whole log as a file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ticker_.*\.log$/);
    const text = readFileSync((await download.path())!, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+Z tick 0: the quick brown fox\n/);
    expect(text).toContain('Z warn 0\n');

    // Clear empties the view; new lines keep coming.
    await page.getByRole('button', { name: 'Clear' }).click();
    const afterClear = await lineCount(page);
    expect(afterClear).toBeLessThan(5);
    await expect.poll(() => lineCount(page), { timeout: 5_000 }).toBeGreaterThan(afterClear);
    expect(page.errors).toEqual([]);
  });

  it('picks up where it left off after the container restarts', async () => {
    const id = await docker(['run', '-d', img, 'sh', '-c', 'echo "run $(date +%s%N)"; sleep 1']);
    const page = await openTab(id, 'logs');
    await expect.poll(() => lineCount(page), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => attr(page, 'logs-view', 'data-status'), { timeout: 10_000 }).toBe('stopped');
    await docker(['start', id]);
    await expect.poll(() => lineCount(page), { timeout: 15_000 }).toBe(2);
    const rows = await page.getByRole('log').locator('.log-row').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).not.toBe(rows[1]);
    expect(page.errors).toEqual([]);
  });
});

describe('Terminal tab', () => {
  let shell: string;
  beforeAll(async () => {
    shell = await docker(['run', '-d', '--name', 'shellbox', img, 'sleep', '3600']);
  });

  /** The terminal's text as the DOM renderer draws it (headless Chromium has no hardware WebGL). */
  const screenText = async (page: Page) =>
    (await page.locator('.xterm-rows > div').allTextContents()).join('\n');

  async function run(page: Page, command: string) {
    await page.locator('.terminal-host').click();
    await page.keyboard.type(`${command}\n`);
  }

  async function sttySize(page: Page, marker: string): Promise<[number, number]> {
    await run(page, `echo ${marker}=$(busybox stty size | tr ' ' x)`);
    let m: RegExpExecArray | null = null;
    await expect
      .poll(async () => (m = new RegExp(`${marker}=(\\d+)x(\\d+)`).exec(await screenText(page))) !== null, {
        timeout: 10_000,
      })
      .toBe(true);
    return [Number(m![1]), Number(m![2])];
  }

  it('runs a command, follows the viewport size, copies and pastes', async () => {
    const page = await openTab(shell, 'terminal', { width: 1280, height: 800 });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 15_000 }).toBe('connected');
    expect(await attr(page, 'terminal-view', 'data-renderer')).toBe('dom');
    await run(page, 'echo hello-$((6*7))');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('hello-42');

    const [rows1, cols1] = await sttySize(page, 'size1');
    await page.setViewportSize({ width: 900, height: 600 });
    await expect
      .poll(async () => (await sttySize(page, `size${Date.now() % 1000}`))[1], { timeout: 10_000 })
      .toBeLessThan(cols1);
    const [rows2] = await sttySize(page, 'size2');
    expect(rows2).toBeLessThan(rows1);

    // Copy with Ctrl+Shift+C, paste with a right-click.
    await run(page, 'clear; echo copyme-123');
    await expect.poll(() => screenText(page)).toContain('copyme-123');
    const word = page.locator('.xterm-rows span, .xterm-rows div').filter({ hasText: /^copyme-123$/ });
    await expect.poll(() => word.count()).toBeGreaterThan(0);
    // xterm's screen takes the pointer events: double-click where the word is drawn.
    const box = (await word.last().boundingBox())!;
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe('copyme-123');
    await page.evaluate(`navigator.clipboard.writeText('echo pasted-$((2+3))')`);
    await page.locator('.terminal-host').click({ button: 'right' });
    // The paste reads the clipboard asynchronously: let it reach the shell before the Enter does.
    await expect.poll(() => screenText(page)).toContain('echo pasted-$((2+3))');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('pasted-5');

    // Search in the scrollback.
    await page.keyboard.press('Control+Shift+F');
    await page.getByRole('searchbox', { name: 'Find in terminal' }).fill('copyme');
    await expect.poll(() => page.locator('.terminal-search-status').textContent()).toMatch(/of/);
    await page.keyboard.press('Escape');
    await screenshot(page, 'container-terminal');
    expect(page.errors).toEqual([]);
  });

  it('reconnects when the container starts again', async () => {
    const page = await openTab(shell, 'terminal');
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 15_000 }).toBe('connected');
    const sessions = Number(await attr(page, 'terminal-view', 'data-sessions'));
    await docker(['restart', '-t', '1', shell]);
    // The session ends with the old process and a new one opens when the container is back.
    await expect
      .poll(() => attr(page, 'terminal-view', 'data-sessions'), { timeout: 20_000 })
      .toBe(String(sessions + 1));
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 20_000 }).toBe('connected');
    await run(page, 'echo back-$((40+2))');
    await expect.poll(() => screenText(page), { timeout: 10_000 }).toContain('back-42');
    expect(page.errors).toEqual([]);
  });

  it('shows a clear error for a shell the image lacks', async () => {
    const page = await openTab(shell, 'terminal');
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 15_000 }).toBe('connected');
    await page.getByRole('combobox', { name: 'Shell' }).selectOption('bash');
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 15_000 }).toBe('ended');
    // 126/127 from dockerd; Berth's runtime may report its own failure code.
    const status = page.locator('.terminal-statusbar [role=status]');
    expect(await status.textContent()).toMatch(/^Process exited with code (\d+)/);
    expect(Number(/code (\d+)/.exec((await status.textContent())!)![1])).toBeGreaterThanOrEqual(126);
    await page.getByRole('combobox', { name: 'Shell' }).selectOption('sh');
    await expect.poll(() => attr(page, 'terminal-view', 'data-state'), { timeout: 15_000 }).toBe('connected');
  });
});
