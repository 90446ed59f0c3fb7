// The container list with 5,000 containers in Chromium: the real renderer bundle, fed by an
// in-page bridge (window.berth, as Electron's preload provides it) so no engine has to hold 5,000
// containers. Measures the first render and scrolling with the Long Tasks API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { launchBrowser, screenshot, startServe, type TestServe } from '../support/web.js';

let engine: TestEngine;
let serve: TestServe;
let browser: Browser;

beforeAll(async () => {
  engine = await startEngine();
  serve = await startServe(engine);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
});

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** CPU time (ms) of every top-level task on the renderer's main thread. */
function mainThreadTaskCpu(events: TraceEvent[]): number[] {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) throw new Error('the trace has no renderer main thread');
  return events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.name === 'RunTask' && e.ph === 'X')
    .map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
}

/** Runs in the page before the app: a bridge with 5,000 containers in 50 Compose projects and loose ones. */
const FAKE_BRIDGE = `
(() => {
  const N = 5000;
  const list = [];
  for (let i = 0; i < N; i++) {
    const id = i.toString(16).padStart(64, 'a');
    const project = i < 2000 ? 'proj-' + (i % 50) : undefined;
    list.push({
      id, name: 'container-' + i, names: ['container-' + i], image: 'registry.local/app-' + (i % 37) + ':1.' + (i % 9),
      imageId: 'sha256:' + id, command: 'run', created: 1700000000 + i,
      state: i % 4 === 0 ? 'exited' : 'running', status: i % 4 === 0 ? 'Exited (0) 1 hour ago' : 'Up 2 hours',
      ports: i % 10 === 0 ? [{ privatePort: 80, publicPort: 10000 + i, ip: '0.0.0.0', type: 'tcp' }] : [],
      project, service: project ? 'svc' : undefined, labels: {},
    });
  }
  const timers = new Map();
  window.berth = {
    async call(method) {
      if (method === 'containers.list') return { ok: true, value: list };
      if (method === 'connections.list') return { ok: true, value: [] };
      return { ok: false, error: { message: 'not in this test: ' + method } };
    },
    subscribe(topic, args, handlers) {
      let timer;
      if (topic === 'containers.statsMany') {
        timer = setInterval(() => handlers.onEvent(args.ids.map((id, k) => ({
          id, time: Date.now(), cpuPercent: (Date.now() / 1000 + k) % 30, memUsage: 5e6 + k * 1e5, memLimit: 1e9,
        }))), 1000);
      }
      return { close() { clearInterval(timer); } };
    },
  };
  window.__longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });
})();
`;

describe('container list at scale', () => {
  it('renders 5,000 containers quickly and scrolls them without long tasks', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(FAKE_BRIDGE);
    const started = Date.now();
    await page.goto(`${serve.url}#/containers`);
    await page.getByRole('grid', { name: 'Containers' }).waitFor({ timeout: 30_000 });
    await page.getByText('3750 running · 5000 in all').waitFor();
    const firstRender = Date.now() - started;
    expect(await page.getByRole('row').count()).toBeLessThan(60);

    // Scroll the way people do: wheel notches (120 px a frame), Page Down (a screen a frame), and a
    // scrollbar drag (jumps of ~45 rows a frame). Wall time comes from the Long Tasks API; CPU time of
    // each main-thread task from a trace, which is what the page itself costs whatever else this
    // machine is busy with.
    const calibration = (await page.evaluate(`(() => {
      const c0 = performance.now();
      let x = 0;
      for (let i = 0; i < 5e7; i++) x += i % 7;
      return performance.now() - c0 + (x < 0 ? 1 : 0);
    })()`)) as number;
    const phases: Record<string, { step: number; frames: number }> = {
      wheel: { step: 120, frames: 90 },
      page: { step: 780, frames: 30 },
      drag: { step: 2000, frames: 20 },
    };
    const report: Record<string, { wall: number; longTask: number; cpu: number; over50: number }> = {};
    for (const [name, { step, frames }] of Object.entries(phases)) {
      await browser.startTracing(page, {
        categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'],
      });
      const r = (await page.evaluate(`(async () => {
        const scroller = document.querySelector('.ctr-scroll');
        window.__longTasks.length = 0;
        const t0 = performance.now();
        for (let i = 0; i < ${frames}; i++) {
          const max = scroller.scrollHeight - scroller.clientHeight;
          scroller.scrollTop = scroller.scrollTop + ${step} > max ? 0 : scroller.scrollTop + ${step};
          await new Promise((r) => requestAnimationFrame(() => r()));
        }
        await new Promise((r) => setTimeout(r, 200));
        return { wall: performance.now() - t0, longTasks: [...window.__longTasks] };
      })()`)) as { wall: number; longTasks: number[] };
      const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
      const cpu = mainThreadTaskCpu(trace.traceEvents);
      report[name] = {
        wall: r.wall / frames,
        longTask: Math.max(0, ...r.longTasks),
        cpu: Math.max(0, ...cpu),
        over50: cpu.filter((d) => d > 50).length,
      };
    }
    console.log(
      `5,000 containers: first render ${firstRender} ms (page load included); calibration loop ` +
        `${calibration.toFixed(0)} ms (≈40 ms on an idle core)\n` +
        Object.entries(report)
          .map(
            ([k, v]) =>
              `  ${k}: ${v.wall.toFixed(1)} ms a frame, longest task ${v.longTask.toFixed(0)} ms wall / ` +
              `${v.cpu.toFixed(1)} ms CPU, tasks over 50 ms CPU: ${v.over50}`,
          )
          .join('\n'),
    );
    await screenshot(page, 'containers-list-5000');
    // The bar: no task over 50 ms while scrolling (the wheel). Judged on CPU time, since wall time on
    // a loaded 2-core box mostly measures the other processes; tracing itself adds some. Paging and
    // a scrollbar drag replace every row each frame: held to a looser bound, and reported.
    expect(report.wheel!.cpu).toBeLessThan(50);
    expect(report.page!.cpu).toBeLessThan(100);
    expect(report.drag!.cpu).toBeLessThan(100);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
