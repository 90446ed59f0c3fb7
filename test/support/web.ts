/**
 * End-to-end harness for the web UI: `berth serve` (the real command, built in dist/) in front of a
 * test engine, and Debian's Chromium driven by playwright-core. Screenshots go to test-results/.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, type TestEngine } from './engine.js';
import { spawnTracked, stopProcess } from './processes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

export interface TestServe {
  url: string;
  token: string;
  /** Where this server keeps the app settings (XDG_CONFIG_HOME). */
  configHome: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `berth serve --port 0` against the engine on `engine.socket` (it connects instead of starting one). */
export async function startServe(
  engine: Pick<TestEngine, 'socket' | 'dataRoot'>,
  opts: { env?: Record<string, string>; args?: string[] } = {},
): Promise<TestServe> {
  const main = join(REPO_ROOT, 'dist/electron/web/serve-cli.js');
  if (!existsSync(main) || !existsSync(join(REPO_ROOT, 'dist/renderer/index.html'))) {
    throw new Error('the app is not built: run `npm run build` (npm test does it first)');
  }
  const configHome = mkdtempSync(join(tmpdir(), 'berth-app-'));
  const child: ChildProcess = spawnTracked(
    process.execPath,
    [
      join(REPO_ROOT, 'bin/berth.js'),
      'serve',
      '--port',
      '0',
      '--socket',
      engine.socket,
      '--data-root',
      engine.dataRoot,
      ...(opts.args ?? []),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, XDG_CONFIG_HOME: configHome, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`berth serve printed no URL within 30 s:\n${output}`)),
      30_000,
    );
    const check = () => {
      const m = /Berth web UI: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`berth serve exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    token: new URL(url).searchParams.get('token')!,
    configHome,
    output: () => output,
    stop: () => stopProcess(child),
  };
}

/** Headless Chromium with the flags this machine needs (no background traffic off loopback). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Opens the app at `hash` (e.g. '#/images') and collects page errors, which fail the test in `assertNoErrors`. */
export async function openApp(
  browser: Browser,
  serve: TestServe,
  opts: { hash?: string; viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<Page & { errors: string[] }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    locale: opts.locale ?? 'en-US',
  });
  const page = (await context.newPage()) as Page & { errors: string[] };
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(serve.url + (opts.hash ?? ''));
  return page;
}

/** Saves a full-window screenshot as test-results/screenshots/<name>.png for people to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
