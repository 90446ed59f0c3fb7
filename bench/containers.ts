/**
 * The container section (issue 3), through the real docker CLI against each engine, with the small
 * busybox image pulled from the loopback registry into both. dockerd runs with `--bridge=none`, so
 * every container in both engines gets `--network none`; Berth's default network is one extra line.
 *
 *  - `docker run --rm IMAGE true` (bar ≤ 0.5× dockerd), `run -d … sleep` and `stop -t 0`
 *  - `docker exec c true`
 *  - `docker logs` of a ~100 MB log (bar ≤ 1.0×)
 *  - `docker ps -a` and `docker system df` with 1,000 containers (bars ≤ 1.0×, df < 200 ms)
 *  - engine RSS with 100 running containers, plus conmon / containerd + shims separately
 *
 * Every container it creates is removed again, also when a phase fails.
 */
import { ok, type BenchDaemon } from './daemon.js';
import { engines, fmtMs, order, timeApi, type BenchContext } from './context.js';
import { inParallel } from './fixtures.js';
import { cpuMs, helperRss, median, ratio, rssKiB, type HelperRss } from './measure.js';
import { judgeRatio, type Metric } from './report.js';
import { dirname } from 'node:path';

export interface ContainerBenchOptions {
  /** Timed runs per latency metric (≥ 10). */
  repeat: number;
  /** Containers created for `ps -a` / `system df`. */
  containers: number;
  /** Running containers for the RSS sample. */
  running: number;
  /** Size of the log for `docker logs`, bytes. */
  logBytes: number;
  /** Timed `docker logs` runs. */
  logRuns: number;
}

const NONE = ['--network', 'none'];
/** Label on everything we create, so cleanup finds it. */
const LABEL = 'berth-bench=1';
/** 99 characters + newline: a 100-byte log line. */
const LINE = 'berth-bench log line '.padEnd(99, 'x');

type Series = Record<string, number[]>;

export async function runContainerBench(
  ctx: BenchContext,
  image: string,
  opt: ContainerBenchOptions,
): Promise<void> {
  const { log, raw, dockerd } = ctx;
  const push = (m: Metric) => ctx.metrics.push({ ...m, section: 'containers' });
  const errors: Record<string, string> = {};
  const live = () => order(ctx, 0).filter((d) => !errors[d.name]);
  /** Runs `fn` per engine; a failure disables that engine for the rest of the section. */
  const guarded = async (d: BenchDaemon, what: string, fn: () => Promise<void>) => {
    if (errors[d.name]) return;
    try {
      await fn();
    } catch (e) {
      errors[d.name] = `${what}: ${(e as Error).message.split('\n')[0]}`;
      log(`  ${d.name}: ${errors[d.name]}`);
    }
  };
  const med = (s: Series, name: string) => (s[name]?.length ? median(s[name]) : null);
  const relative = (
    id: string,
    title: string,
    s: Series,
    bar: { limit: number; text: string } | null,
    notes: string[],
  ) => {
    const r = ratio(med(s, 'berth'), med(s, 'dockerd'));
    push({
      id,
      title,
      unit: 'ms',
      better: 'lower',
      berth: med(s, 'berth'),
      dockerd: dockerd ? med(s, 'dockerd') : null,
      ratio: r,
      bar: bar?.text ?? '—',
      pass: bar ? judgeRatio(r, bar.limit, 'lower') : null,
      notes,
    });
  };

  try {
    for (const d of engines(ctx))
      await guarded(d, 'pull', async () => void ok(await d.docker(['pull', image]), 'pull'));

    // ---- 1. docker run --rm IMAGE true
    log(`docker run --rm true: 2 warm-ups + ${opt.repeat} runs per engine (alternating)`);
    const runRm: Series = { berth: [], dockerd: [] };
    const runRmDefault: Series = { berth: [] };
    const rm = ['run', '--rm', '--label', LABEL, ...NONE, image, 'true'];
    const rmDefault = ['run', '--rm', '--label', LABEL, image, 'true'];
    for (const d of live()) await guarded(d, 'run --rm warm-up', () => warm(d, rm, 2));
    await guarded(ctx.berth, 'run --rm (default network) warm-up', () => warm(ctx.berth, rmDefault, 2));
    for (let i = 0; i < opt.repeat; i++) {
      for (const d of order(ctx, i)) {
        await guarded(d, 'run --rm', async () => void runRm[d.name].push(ok(await d.docker(rm), 'run').ms));
      }
      await guarded(ctx.berth, 'run --rm (default network)', async () => {
        runRmDefault.berth.push(ok(await ctx.berth.docker(rmDefault), 'run').ms);
      });
    }
    relative('run-rm', 'docker run --rm IMAGE true (--network none)', runRm, { limit: 0.5, text: '≤ 0.5×' }, [
      `median of ${runRm.berth.length} runs after 2 warm-ups, CLI wall time (create + attach + start + wait + auto-remove)`,
    ]);
    const defMed = med(runRmDefault, 'berth');
    push({
      id: 'run-rm-default-net',
      title: 'docker run --rm IMAGE true (berth default network)',
      unit: 'ms',
      better: 'lower',
      berth: defMed,
      dockerd: null,
      ratio: ratio(defMed, med(runRm, 'dockerd')),
      bar: 'info',
      pass: null,
      notes: [`ratio against dockerd --network none; berth --network none: ${fmtMs(med(runRm, 'berth'))}`],
    });
    raw.runRm = { networkNone: runRm, berthDefaultNetwork: runRmDefault };

    // ---- 2. run -d sleep, stop -t 0
    log(`docker run -d sleep 1000 / docker stop -t 0: ${opt.repeat} rounds per engine`);
    const runD: Series = { berth: [], dockerd: [] };
    const stop: Series = { berth: [], dockerd: [] };
    for (let i = -2; i < opt.repeat; i++) {
      for (const d of order(ctx, i)) {
        await guarded(d, 'run -d / stop', async () => {
          const name = `bench-rs-${i + 2}`;
          const r = ok(
            await d.docker(['run', '-d', '--name', name, '--label', LABEL, ...NONE, image, 'sleep', '1000']),
            'run -d',
          );
          const s = ok(await d.docker(['stop', '-t', '0', name]), 'stop');
          ok(await d.docker(['rm', name]), 'rm');
          if (i >= 0) {
            runD[d.name].push(r.ms);
            stop[d.name].push(s.ms);
          }
        });
      }
    }
    relative('run-d', 'docker run -d IMAGE sleep 1000', runD, null, [
      `median of ${runD.berth.length} runs after 2 warm-ups`,
    ]);
    relative('stop', 'docker stop -t 0 (running sleep)', stop, null, [`median of ${stop.berth.length} runs`]);
    raw.runDetached = runD;
    raw.stop = stop;

    // ---- 3. docker exec c true
    log(`docker exec c true: 2 warm-ups + ${opt.repeat} runs per engine`);
    const exec: Series = { berth: [], dockerd: [] };
    for (const d of live())
      await guarded(d, 'exec setup', async () => {
        ok(
          await d.docker([
            'run',
            '-d',
            '--name',
            'bench-exec',
            '--label',
            LABEL,
            ...NONE,
            image,
            'sleep',
            '1000',
          ]),
          'run -d',
        );
        await warm(d, ['exec', 'bench-exec', 'true'], 2);
      });
    for (let i = 0; i < opt.repeat; i++)
      for (const d of order(ctx, i))
        await guarded(
          d,
          'exec',
          async () => void exec[d.name].push(ok(await d.docker(['exec', 'bench-exec', 'true']), 'exec').ms),
        );
    relative('exec', 'docker exec c true', exec, null, [
      `median of ${exec.berth.length} runs after 2 warm-ups`,
    ]);
    raw.exec = exec;
    for (const d of live()) await d.docker(['rm', '-f', 'bench-exec']);

    // ---- 4. docker logs of a ~100 MB log
    const mb = (opt.logBytes / 1e6).toFixed(0);
    log(`docker logs: writing a ${mb} MB log in each engine`);
    const logs: Series = { berth: [], dockerd: [] };
    const logInfo: Record<string, { writeMs: number; bytes: number }> = {};
    const logCpu: Series = { berth: [], dockerd: [] };
    const logApi: Record<string, { ms: number; bytes: number }> = {};
    for (const d of live())
      await guarded(d, 'logs setup', async () => {
        const start = Date.now();
        ok(
          await d.docker([
            'run',
            '-d',
            '--name',
            'bench-logs',
            '--label',
            LABEL,
            ...NONE,
            image,
            'sh',
            '-c',
            `yes '${LINE}' | head -c ${opt.logBytes}`,
          ]),
          'run -d (log writer)',
        );
        const w = ok(await d.docker(['wait', 'bench-logs'], { timeoutMs: 600_000 }), 'wait');
        if (w.stdout.trim() !== '0') throw new Error(`log writer exited ${w.stdout.trim()}`);
        const writeMs = Date.now() - start;
        const counted = ok(
          await d.docker(['logs', 'bench-logs'], { stdout: 'count', timeoutMs: 600_000 }),
          'logs',
        );
        logInfo[d.name] = { writeMs, bytes: counted.stdoutBytes };
        log(
          `  ${d.name}: written and stored in ${(writeMs / 1000).toFixed(1)} s, docker logs gives ${counted.stdoutBytes} bytes`,
        );
      });
    for (let i = 0; i < opt.logRuns; i++)
      for (const d of order(ctx, i))
        await guarded(d, 'logs', async () => {
          const cpu0 = cpuMs(d.pid);
          const r = ok(
            await d.docker(['logs', 'bench-logs'], { stdout: 'null', timeoutMs: 600_000 }),
            'logs',
          );
          logs[d.name].push(r.ms);
          logCpu[d.name].push(cpuMs(d.pid) - cpu0);
        });
    // The API alone (no CLI demultiplexing), body read and dropped by us.
    for (const d of live())
      await guarded(d, 'logs API', async () => {
        const start = process.hrtime.bigint();
        const res = await d.api('GET', '/containers/bench-logs/logs?stdout=1&stderr=1', {
          timeoutMs: 600_000,
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        logApi[d.name] = { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: res.body.length };
      });
    relative('logs', `docker logs (${mb} MB log) > /dev/null`, logs, { limit: 1.0, text: '≤ 1.0×' }, [
      `median of ${logs.berth.length} runs; ` +
        Object.entries(logInfo)
          .map(
            ([n, x]) =>
              `${n}: ${(x.bytes / 1e6).toFixed(1)} MB returned, written in ${(x.writeMs / 1000).toFixed(1)} s`,
          )
          .join('; '),
      `engine CPU per docker logs (median): berth ${fmtMs(med(logCpu, 'berth'))}, dockerd ${fmtMs(med(logCpu, 'dockerd'))}; ` +
        `raw API (body framed, read by node): ` +
        Object.entries(logApi)
          .map(([n, x]) => `${n} ${fmtMs(x.ms)} for ${(x.bytes / 1e6).toFixed(1)} MB`)
          .join(', '),
    ]);
    raw.logs = { runs: logs, info: logInfo, engineCpuMs: logCpu, api: logApi };
    for (const d of live()) await d.docker(['rm', '-f', 'bench-logs']);

    // ---- 5. ps -a / system df with many containers
    log(`creating ${opt.containers} containers in each engine (docker create, 8 at a time)`);
    const createInfo: Record<string, { ms: number; listed: number }> = {};
    for (const d of live())
      await guarded(d, 'create', async () => {
        const start = Date.now();
        const idx = Array.from({ length: opt.containers }, (_, i) => i);
        await inParallel(idx, 8, async () => {
          ok(await d.docker(['create', '--label', LABEL, ...NONE, image, 'true']), 'create');
        });
        const ms = Date.now() - start;
        const listed = ok(await d.docker(['ps', '-aq']), 'ps -aq')
          .stdout.split('\n')
          .filter(Boolean).length;
        createInfo[d.name] = { ms, listed };
        log(`  ${d.name}: ${opt.containers} created in ${(ms / 1000).toFixed(1)} s; ps -aq lists ${listed}`);
      });
    log(`timing docker ps -a / docker system df (${opt.repeat} runs each, alternating)`);
    const ps: Series = { berth: [], dockerd: [] };
    const df: Series = { berth: [], dockerd: [] };
    const apiPs: Series = { berth: [], dockerd: [] };
    const apiDf: Series = { berth: [], dockerd: [] };
    const batches = 2;
    const per = Math.ceil(opt.repeat / batches);
    for (let b = 0; b < batches; b++)
      for (const d of order(ctx, b))
        await guarded(d, 'ps / df', async () => {
          if (b === 0) {
            await warm(d, ['ps', '-a'], 2);
            await warm(d, ['system', 'df'], 2);
          }
          for (let i = 0; i < per; i++) ps[d.name].push(ok(await d.docker(['ps', '-a']), 'ps -a').ms);
          for (let i = 0; i < per; i++) df[d.name].push(ok(await d.docker(['system', 'df']), 'system df').ms);
          apiPs[d.name].push(...(await timeApi(d, '/containers/json?all=1', per)));
          apiDf[d.name].push(...(await timeApi(d, '/system/df', per)));
        });
    const counts = Object.entries(createInfo)
      .map(([n, x]) => `${n} lists ${x.listed} (created in ${(x.ms / 1000).toFixed(1)} s)`)
      .join(', ');
    relative('ps', `docker ps -a (${opt.containers} containers)`, ps, { limit: 1.0, text: '≤ 1.0×' }, [
      `median of ${ps.berth.length} CLI runs; API alone: berth ${fmtMs(med(apiPs, 'berth'))}, dockerd ${fmtMs(med(apiPs, 'dockerd'))}; ${counts}`,
    ]);
    const dfRatio = ratio(med(df, 'berth'), med(df, 'dockerd'));
    const dfBerth = med(df, 'berth');
    push({
      id: 'df-containers',
      title: `docker system df (${opt.containers} containers)`,
      unit: 'ms',
      better: 'lower',
      berth: dfBerth,
      dockerd: dockerd ? med(df, 'dockerd') : null,
      ratio: dfRatio,
      bar: '< 200 ms',
      pass: dfBerth == null ? null : dfBerth < 200,
      notes: [
        `median of ${df.berth.length} CLI runs (images from the image section still present); ` +
          `API alone: berth ${fmtMs(med(apiDf, 'berth'))}, dockerd ${fmtMs(med(apiDf, 'dockerd'))}`,
      ],
    });
    raw.manyContainers = { create: createInfo, ps, df, apiPs, apiDf };
    for (const d of engines(ctx)) await removeAll(d);

    // ---- 6. RSS with N running containers
    log(`RSS: ${opt.running} running containers per engine`);
    const rss: Record<string, { engineMB: number; helpers: HelperRss; running: number }> = {};
    /** Engine RSS just before, after all the earlier phases (1,000 records, 100 MB of logs served). */
    const baseline: Record<string, number> = {};
    for (const d of live())
      await guarded(d, 'rss', async () => {
        baseline[d.name] = (rssKiB(d.pid) * 1024) / 1e6;
        const idx = Array.from({ length: opt.running }, (_, i) => i);
        await inParallel(idx, 4, async (i) => {
          ok(
            await d.docker([
              'run',
              '-d',
              '--name',
              `bench-rss-${i}`,
              '--label',
              LABEL,
              ...NONE,
              image,
              'sleep',
              '1000',
            ]),
            'run -d',
          );
        });
        const running = ok(await d.docker(['ps', '-q']), 'ps -q')
          .stdout.split('\n')
          .filter(Boolean).length;
        await new Promise((r) => setTimeout(r, 3000));
        rss[d.name] = {
          engineMB: (rssKiB(d.pid) * 1024) / 1e6,
          helpers: helperRss(dirname(d.dataRoot), d.pid),
          running,
        };
        log(
          `  ${d.name}: ${running} running, engine ${rss[d.name].engineMB.toFixed(1)} MB, helpers ${rss[d.name].helpers.totalMB.toFixed(1)} MB`,
        );
      });
    const helperText = (name: string) => {
      const h = rss[name]?.helpers;
      if (!h) return `${name} —`;
      const parts = Object.entries(h.byComm).map(([c, x]) => `${x.count}× ${c} ${x.rssMB.toFixed(1)} MB`);
      return `${name} ${h.totalMB.toFixed(1)} MB = ${parts.join(' + ') || 'none'}`;
    };
    const eng = (n: string) => rss[n]?.engineMB ?? null;
    const helpers = (n: string) => rss[n]?.helpers.totalMB ?? null;
    push({
      id: 'rss-running',
      title: `engine RSS, ${opt.running} running containers (engine process only)`,
      unit: 'MB',
      better: 'lower',
      berth: eng('berth'),
      dockerd: dockerd ? eng('dockerd') : null,
      ratio: ratio(eng('berth'), eng('dockerd')),
      bar: 'info',
      pass: null,
      notes: [
        `engine RSS before starting them: ${Object.entries(baseline)
          .map(([n, mb]) => `${n} ${mb.toFixed(1)} MB`)
          .join(', ')}`,
        `running: ${Object.entries(rss)
          .map(([n, x]) => `${n} ${x.running}`)
          .join(', ')}`,
      ],
    });
    push({
      id: 'rss-helpers',
      title: `helper RSS, ${opt.running} running (berth conmon; dockerd containerd + shims)`,
      unit: 'MB',
      better: 'lower',
      berth: helpers('berth'),
      dockerd: dockerd ? helpers('dockerd') : null,
      ratio: ratio(helpers('berth'), helpers('dockerd')),
      bar: 'info',
      pass: null,
      notes: [`${helperText('berth')}; ${helperText('dockerd')} (container payloads excluded)`],
    });
    raw.rssRunning = rss;
  } finally {
    for (const d of engines(ctx))
      await removeAll(d).catch((e) => log(`  ${d.name}: cleanup: ${(e as Error).message}`));
    raw.containerErrors = errors;
    for (const [n, e] of Object.entries(errors)) ctx.notes.push(`containers: ${n} failed at ${e}`);
  }
}

async function warm(d: BenchDaemon, args: string[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) ok(await d.docker(args), `docker ${args[0]} (warm-up)`);
}

/** Force-removes every container of the engine (all were created by us), 8 at a time. */
export async function removeAll(d: BenchDaemon): Promise<number> {
  const res = await d.api('GET', '/containers/json?all=1', { timeoutMs: 300_000 });
  if (res.status !== 200) throw new Error(`list containers: HTTP ${res.status}`);
  const ids = (res.json() as Array<{ Id: string }>).map((c) => c.Id);
  await inParallel(ids, 8, async (id) => {
    const r = await d.api('DELETE', `/containers/${id}?force=1&v=1`, { timeoutMs: 120_000 });
    if (r.status !== 204 && r.status !== 404)
      throw new Error(`remove ${id.slice(0, 12)}: HTTP ${r.status} ${r.text().slice(0, 200)}`);
  });
  return ids.length;
}
