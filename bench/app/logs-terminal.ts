/// <reference lib="dom" />
/**
 * The Logs and Terminal tabs under load, in Chromium against `berth serve` on a Berth engine,
 * measured in the page with the Performance API (long tasks through PerformanceObserver('longtask'),
 * times through performance.now(), heap through CDP Performance.getMetrics):
 *  - opening a 1,000,000-line log: first lines on screen and all lines in, from navigation; the
 *    longest task meanwhile; and, for scale, how long the engine alone takes to serve that log;
 *  - searching it: from typing the query to every match found; the longest task meanwhile;
 *  - terminal throughput of `yes | head -c 100M`: MB/s from Enter to the last byte parsed by xterm,
 *    with the count of characters rendered checked against what `yes` printed;
 *  - renderer memory (JS heap after a GC, DOM nodes) after following a chatty log for N minutes.
 *
 * `runLogsTerminalBench(opts)` is what `bench/run.ts` calls; run alone for a quick look:
 *   node --import tsx bench/app/logs-terminal.ts [--app-minutes 1] [--app-log-lines N] [--app-terminal-mb N]
 * (needs `npm run build`: berth serve runs from dist/).
 */
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot, startServe, type TestServe } from '../../test/support/web.js';

export interface LogsTerminalBenchOptions {
  /** A running Berth engine: its socket, data root and a docker CLI bound to it. */
  engine: {
    socket: string;
    dataRoot: string;
    docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  };
  /** A busybox-based image the engine has (or can pull). */
  image: string;
  /** Lines in the big log (1,000,000). */
  logLines?: number;
  /** Bytes `yes` prints in the terminal (100 MiB). */
  terminalBytes?: number;
  /** Minutes of following a chatty log before memory is read (10). */
  followMinutes?: number;
  /** Lines a second the chatty container prints (100). */
  followRate?: number;
  log?(msg: string): void;
}

export type BenchFigures = Record<string, number | string>;

/** Installed in every page before the app loads: long tasks and the times attributes change. */
const INSTRUMENT = `(() => {
  const b = (window.__bench = { longtasks: [], lines: [], search: [], inputAt: 0, enterAt: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const watch = () => {
    new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        const el = r.target;
        if (r.attributeName === 'data-line-count') b.lines.push([now, Number(el.getAttribute('data-line-count'))]);
        if (r.attributeName === 'data-search') b.search.push([now, el.getAttribute('data-search')]);
      }
    }).observe(document.documentElement, {
      subtree: true,
      attributes: true,
      attributeFilter: ['data-line-count', 'data-search'],
    });
  };
  document.addEventListener('input', () => (b.inputAt = performance.now()), true);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') b.enterAt = performance.now(); }, true);
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();`;

interface PageBench {
  longtasks: [number, number][];
  lines: [number, number][];
  search: [number, string][];
  inputAt: number;
  enterAt: number;
}

const bench = (page: Page) => page.evaluate('window.__bench') as Promise<PageBench>;

function maxLongTask(b: PageBench, from = 0, to = Infinity): { max: number; count: number } {
  const inRange = b.longtasks.filter(([s]) => s >= from && s <= to);
  return { max: Math.round(Math.max(0, ...inRange.map(([, d]) => d))), count: inRange.length };
}

async function newPage(browser: Browser, serve: TestServe, hash: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  await page.goto(serve.url + hash);
  return [context, page];
}

async function heap(page: Page): Promise<{ heapMB: number; nodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  await cdp.detach();
  return { heapMB: +(get('JSHeapUsedSize') / 1e6).toFixed(1), nodes: get('Nodes') };
}

/** GET …/logs as the Logs view asks for it, straight from the engine: bytes and milliseconds. */
function engineLogRead(socket: string, id: string): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: socket, path: `/containers/${id}/logs?stdout=1&stderr=1&timestamps=1`, method: 'GET' },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ ms: performance.now() - t0, bytes }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function docker(o: LogsTerminalBenchOptions, args: string[]): Promise<string> {
  const r = await o.engine.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function waitFor<T>(
  what: string,
  ms: number,
  poll: () => Promise<T | undefined>,
  every = 200,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await poll();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

const lineCount = async (page: Page) =>
  Number((await page.getByTestId('logs-view').getAttribute('data-line-count', { timeout: 60_000 })) ?? 0);

/** Leaves a screenshot of a step that failed, for people to look at. */
async function onFailure<T>(page: Page, name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    await screenshot(page, `bench-${name}-failed`).catch(() => undefined);
    throw e;
  }
}

// ---- the three measurements -------------------------------------------------------------------

async function bigLog(o: LogsTerminalBenchOptions, browser: Browser, serve: TestServe, out: BenchFigures) {
  const n = o.logLines ?? 1_000_000;
  const log = o.log ?? (() => undefined);
  log(`logs: writing a ${n.toLocaleString()}-line log`);
  const id = await docker(o, [
    'run',
    '-d',
    o.image,
    'awk',
    `BEGIN { for (i = 1; i <= ${n}; i++) printf "%07d INFO [worker-%d] GET /api/items/%d status=200 duration=%dms user=alice\\n", i, i % 8, (i * 7) % 100000, i % 97 }`,
  ]);
  await docker(o, ['wait', id]);
  const engine = await engineLogRead(o.engine.socket, id);
  out['logs.lines'] = n;
  out['logs.bytes'] = engine.bytes;
  out['logs.engineReadMs'] = Math.round(engine.ms);

  log('logs: opening it in the Logs tab');
  const [context, page] = await newPage(browser, serve, `#/containers/${id}/logs`);
  try {
    await waitFor(
      'all log lines',
      600_000,
      async () => ((await lineCount(page)) >= n ? true : undefined),
      250,
    );
    const b = await bench(page);
    const first = b.lines.find(([, c]) => c > 0)![0];
    const all = b.lines.find(([, c]) => c >= n)![0];
    out['logs.open.firstLinesMs'] = Math.round(first);
    out['logs.open.allLinesMs'] = Math.round(all);
    out['logs.open.linesPerSecond'] = Math.round(n / ((all - first) / 1000));
    const lt = maxLongTask(b, 0, all);
    out['logs.open.maxLongTaskMs'] = lt.max;
    out['logs.open.longTasks'] = lt.count;

    log('logs: searching it');
    const query = 'worker-3] GET /api/items/4';
    const box = page.getByRole('searchbox', { name: 'Search logs' });
    await box.fill(query);
    await box.press('Enter');
    const done = await waitFor('the search', 300_000, async () => {
      const s = await bench(page);
      const start = s.inputAt;
      const hit = s.search.find(([t, v]) => t >= start && v === 'done');
      return hit ? { start, end: hit[0], b: s } : undefined;
    });
    out['logs.search.ms'] = Math.round(done.end - done.start);
    out['logs.search.matches'] = Number(await page.getByTestId('logs-view').getAttribute('data-match-count'));
    out['logs.search.maxLongTaskMs'] = maxLongTask(done.b, done.start, done.end).max;

    log('logs: scrolling through it');
    const before = performance.now();
    const t0 = await page.evaluate(() => performance.now());
    await page.getByRole('log').hover();
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, i < 20 ? -20_000 : 15_000);
    await page.waitForTimeout(300);
    const t1 = await page.evaluate(() => performance.now());
    out['logs.scroll.maxLongTaskMs'] = maxLongTask(await bench(page), t0, t1).max;
    out['logs.scroll.ms'] = Math.round(performance.now() - before);
    const mem = await heap(page);
    out['logs.open.heapMB'] = mem.heapMB;
    out['logs.open.domNodes'] = mem.nodes;
  } finally {
    await context.close();
    await docker(o, ['rm', '-f', id]).catch(() => undefined);
  }
}

async function terminal(o: LogsTerminalBenchOptions, browser: Browser, serve: TestServe, out: BenchFigures) {
  const bytes = o.terminalBytes ?? 100 * 1024 * 1024;
  const log = o.log ?? (() => undefined);
  const id = await docker(o, ['run', '-d', o.image, 'sleep', '3600']);
  const [context, page] = await newPage(browser, serve, `#/containers/${id}/terminal`);
  try {
    const view = page.getByTestId('terminal-view');
    await waitFor('the terminal session', 60_000, async () =>
      (await view.getAttribute('data-state')) === 'connected' ? true : undefined,
    );
    out['terminal.renderer'] = (await view.getAttribute('data-renderer')) ?? '?';
    const written = async () => Number((await view.getAttribute('data-written')) ?? 0);
    await page.locator('.terminal-host').click();
    await page.keyboard.type(`yes | head -c ${bytes}`);
    await page.waitForTimeout(300);
    const before = await written();
    log(`terminal: yes | head -c ${bytes} (${(bytes / 1048576).toFixed(0)} MiB)`);
    await page.keyboard.press('Enter');
    // A TTY turns each "y\n" into "y\r\n": 1.5 characters a byte.
    const expected = bytes * 1.5;
    let last = -1;
    let stableSince = Date.now();
    await waitFor(
      'the output to finish',
      900_000,
      async () => {
        const w = (await written()) - before;
        if (w !== last) {
          last = w;
          stableSince = Date.now();
        }
        return w >= expected && Date.now() - stableSince > 1000 ? true : undefined;
      },
      250,
    );
    const b = await bench(page);
    const end = Number(await view.getAttribute('data-last-write'));
    const seconds = (end - b.enterAt) / 1000;
    const chars = (await written()) - before;
    out['terminal.bytes'] = bytes;
    out['terminal.charsRendered'] = chars;
    out['terminal.seconds'] = +seconds.toFixed(2);
    out['terminal.throughputMBps'] = +(bytes / 1e6 / seconds).toFixed(1);
    out['terminal.maxLongTaskMs'] = maxLongTask(b, b.enterAt, end).max;
    if (chars < expected || chars > expected * 1.01 + 4096)
      throw new Error(`terminal rendered ${chars} characters, expected about ${expected}`);
  } finally {
    await context.close();
    await docker(o, ['rm', '-f', id]).catch(() => undefined);
  }
}

async function follow(o: LogsTerminalBenchOptions, browser: Browser, serve: TestServe, out: BenchFigures) {
  const minutes = o.followMinutes ?? 10;
  const rate = o.followRate ?? 100;
  const log = o.log ?? (() => undefined);
  const id = await docker(o, [
    'run',
    '-d',
    o.image,
    'sh',
    '-c',
    `i=0; while true; do echo "$i INFO [http] GET /api/status 200 0.4ms request-id=$i-abcdef"; ` +
      `[ $((i % 10)) = 0 ] && echo "$i WARN slow query took 1200ms" >&2; i=$((i+1)); sleep ${1 / rate}; done`,
  ]);
  const [context, page] = await newPage(browser, serve, `#/containers/${id}/logs`);
  try {
    await onFailure(page, 'follow', () =>
      waitFor('the first lines', 60_000, async () => ((await lineCount(page)) > 0 ? true : undefined)),
    );
    const start = await heap(page);
    const t0 = await page.evaluate(() => performance.now());
    log(`logs: following a chatty log for ${minutes} min`);
    await page.waitForTimeout(minutes * 60_000);
    const end = await heap(page);
    const t1 = await page.evaluate(() => performance.now());
    out['follow.minutes'] = minutes;
    out['follow.lines'] = await lineCount(page);
    out['follow.heapStartMB'] = start.heapMB;
    out['follow.heapEndMB'] = end.heapMB;
    out['follow.domNodes'] = end.nodes;
    out['follow.maxLongTaskMs'] = maxLongTask(await bench(page), t0, t1).max;
    const following = await page.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed');
    if (following !== 'true') throw new Error('the Logs tab stopped following');
  } finally {
    await context.close();
    await docker(o, ['rm', '-f', id]).catch(() => undefined);
  }
}

/** Runs the three measurements on one `berth serve` and one Chromium; returns flat figures. */
export async function runLogsTerminalBench(opts: LogsTerminalBenchOptions): Promise<BenchFigures> {
  const out: BenchFigures = {};
  const serve = await startServe(opts.engine);
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    await bigLog(opts, browser, serve, out);
    await terminal(opts, browser, serve, out);
    await follow(opts, browser, serve, out);
  } finally {
    await browser?.close();
    await serve.stop();
  }
  return out;
}

// ---- standalone ---------------------------------------------------------------------------------

async function main() {
  const { values } = parseArgs({
    options: {
      'app-minutes': { type: 'string', default: '10' },
      'app-log-lines': { type: 'string', default: '1000000' },
      'app-terminal-mb': { type: 'string', default: '100' },
    },
  });
  const { startRegistry } = await import('../../test/support/registry.js');
  const { pushImage, busyboxLayer } = await import('../../test/support/images.js');
  const { startEngine } = await import('../../test/support/engine.js');
  const log = (m: string) => process.stderr.write(`[bench:app] ${m}\n`);
  const registry = await startRegistry();
  const engine = await startEngine({ mode: 'dist', config: { 'insecure-registries': [registry.host] } });
  try {
    const base = await pushImage(registry, 'berth-bench/base', 'latest', [await busyboxLayer()], {
      config: { created: '2024-01-01T00:00:00Z' },
    });
    const pulled = await engine.docker(['pull', '-q', base.ref]);
    if (pulled.code !== 0) throw new Error(pulled.stderr);
    const figures = await runLogsTerminalBench({
      engine,
      image: base.ref,
      logLines: Number(values['app-log-lines']),
      terminalBytes: Number(values['app-terminal-mb']) * 1024 * 1024,
      followMinutes: Number(values['app-minutes']),
      log,
    });
    const width = Math.max(...Object.keys(figures).map((k) => k.length));
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  } finally {
    await engine.stop();
    await registry.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
