/**
 * `npm run bench`: Berth's engine side by side with the reference dockerd (Debian docker.io,
 * started privately, only if installed) against one loopback registry, through the real docker
 * CLI. Measures pull throughput of a ≥ 200 MB multi-layer image, `docker images` and
 * `docker system df` with 500 images, and idle RSS; prints ratios against the DESIGN.md §7 bars
 * and writes bench/results/latest.json.
 *
 * Options: --rounds N (pull rounds, 5), --images N (500), --repeat N (listing runs, 15),
 * --layers N (8), --layer-mb N (26), --no-reference (skip dockerd); for experiments on Berth's
 * process only: --berth-env K=V (repeatable) and --berth-node-flag FLAG (repeatable).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DOCKER_BIN } from '../test/support/engine.js';
import { busyboxLayer, pushImage } from '../test/support/images.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { startBerth } from './berth.js';
import { killUnder, unmountUnder } from './cleanup.js';
import { ok, type BenchDaemon } from './daemon.js';
import { dockerdInstalled, startDockerd, type ReferenceDaemon } from './dockerd.js';
import {
  buildMultiLayerImage,
  populate,
  probeMethod,
  pushSmallImages,
  smallImages,
  type PopulateMethod,
} from './fixtures.js';
import { diskUsage, median, ratio, treeRss, type RssSample } from './measure.js';
import { judgeRatio, noReferenceBanner, renderTable, type Metric, type Results } from './report.js';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    images: { type: 'string', default: '500' },
    repeat: { type: 'string', default: '15' },
    layers: { type: 'string', default: '8' },
    'layer-mb': { type: 'string', default: '26' },
    'no-reference': { type: 'boolean', default: false },
    'berth-env': { type: 'string', multiple: true, default: [] },
    'berth-node-flag': { type: 'string', multiple: true, default: [] },
  },
});
const BERTH_ENV = Object.fromEntries(
  opt['berth-env'].map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--berth-env wants KEY=VALUE, got ${kv}`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }),
);
const BERTH_FLAGS = opt['berth-node-flag'];
const ROUNDS = Number(opt.rounds);
const IMAGES = Number(opt.images);
const REPEAT = Number(opt.repeat);
const LAYERS = Number(opt.layers);
const LAYER_BYTES = Number(opt['layer-mb']) * 1e6;
const IDLE_WAIT_MS = 5000;
const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---- lifetime: everything started is stopped, on success, error or Ctrl-C --------------------

let registry: TestRegistry | undefined;
let berth: BenchDaemon | undefined;
let dockerd: ReferenceDaemon | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const d of [dockerd, berth]) {
      try {
        await d?.stop();
      } catch (e) {
        log(`stopping ${d?.name}: ${(e as Error).message}`);
      }
    }
    await registry?.stop().catch(() => {});
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (cleaning) {
      log(`${sig} again: exiting now`);
      process.exit(130);
    }
    log(`${sig}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort when exiting abruptly: dockerd's mounts and stray processes under its root.
process.on('exit', () => {
  if (dockerd) {
    const root = dirname(dockerd.dataRoot);
    killUnder(root);
    unmountUnder(root);
  }
});

// ---- phases ------------------------------------------------------------------------------------

const syncDisks = () => execFileSync('sync');

interface PullRound {
  ms: number;
  complete: number;
  /** Disk usage of the data root right after the pull (proves the layers were unpacked). */
  dataRootBytes: number;
}

/** One timed `docker pull`, then removal of the image so the next round downloads again. */
async function pullRound(d: BenchDaemon, ref: string, layers: number): Promise<PullRound> {
  const r = ok(await d.docker(['pull', ref], { timeoutMs: 600_000 }), `${d.name}: docker pull`);
  const complete = (r.stdout.match(/Pull complete/g) ?? []).length;
  if (complete !== layers)
    log(`${d.name}: only ${complete}/${layers} layers reported "Pull complete" (cached layers?)`);
  const dataRootBytes = diskUsage(d.dataRoot);
  ok(await d.docker(['rmi', ref]), `${d.name}: docker rmi`);
  await d.docker(['image', 'prune', '-f']);
  syncDisks();
  return { ms: r.ms, complete, dataRootBytes };
}

async function timeCli(d: BenchDaemon, args: string[], n: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) ok(await d.docker(args), `${d.name}: docker ${args.join(' ')}`);
  const runs: number[] = [];
  for (let i = 0; i < n; i++) runs.push(ok(await d.docker(args), `${d.name}: docker ${args.join(' ')}`).ms);
  return runs;
}

async function timeApi(d: BenchDaemon, path: string, n: number): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const res = await d.api('GET', path);
    if (res.status !== 200) throw new Error(`${d.name}: GET ${path} → ${res.status}`);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return runs;
}

/** Engines in alternating order per round, so drift (page cache, thermal) hits both alike. */
const order = (round: number) =>
  (round % 2 === 0 ? [berth, dockerd] : [dockerd, berth]).filter((d): d is BenchDaemon => !!d);

async function main(): Promise<void> {
  const t0 = Date.now();
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const metrics: Metric[] = [];

  log('starting the loopback registry');
  registry = await startRegistry();

  log(`generating and pushing the pull image: ${LAYERS} layers × ${LAYER_BYTES / 1e6} MB`);
  const big = await buildMultiLayerImage(registry, 'berth-bench/big', {
    layers: LAYERS,
    bytesPerLayer: LAYER_BYTES,
    filesPerLayer: 5,
    withBusybox: false,
  });
  const bigBytes = big.layers.reduce((a, l) => a + l.size, 0);
  const base = await pushImage(registry, 'berth-bench/base', 'latest', [await busyboxLayer()], {
    config: { created: '2024-01-01T00:00:00Z' },
  });
  const many = await smallImages(IMAGES);
  const [probe] = await smallImages(1, 'probe');
  await pushSmallImages(registry, [probe]);

  log('starting berth engine');
  berth = await startBerth({ env: BERTH_ENV, nodeFlags: BERTH_FLAGS });
  const tuning = [...Object.entries(BERTH_ENV).map(([k, v]) => `${k}=${v}`), ...BERTH_FLAGS];
  raw.berthTuning = tuning;
  if (tuning.length) notes.push(`berth engine run with non-default settings: ${tuning.join(' ')}`);
  const berthVersion = (await berth.api('GET', '/version')).json().Version as string;

  let referenceReason: string | undefined;
  if (opt['no-reference']) referenceReason = 'skipped (--no-reference)';
  else if (!dockerdInstalled()) referenceReason = '/usr/sbin/dockerd is not installed';
  else {
    log('starting the reference dockerd');
    try {
      dockerd = await startDockerd();
    } catch (e) {
      referenceReason = `dockerd failed to start: ${(e as Error).message}`;
    }
  }
  if (referenceReason) process.stdout.write(noReferenceBanner(referenceReason) + '\n');
  const engines = () => [berth!, dockerd].filter((d): d is BenchDaemon => !!d);

  await new Promise((r) => setTimeout(r, 2000));
  raw.rssFresh = Object.fromEntries(engines().map((d) => [d.name, treeRss(d.pid)]));

  // Warm-up: exercises each engine's pull path once (JIT, connection setup) with a small image.
  for (const d of engines()) ok(await d.docker(['pull', base.ref]), `${d.name}: warm-up pull`);

  // ---- 1. pull throughput
  log(`pull: ${ROUNDS} rounds of ${(bigBytes / 1e6).toFixed(0)} MB per engine`);
  const pulls: Record<string, PullRound[]> = { berth: [], dockerd: [] };
  const pullErrors: Record<string, string> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const d of order(round)) {
      if (pullErrors[d.name]) continue;
      try {
        const r = await pullRound(d, big.ref, LAYERS);
        pulls[d.name].push(r);
        log(`  round ${round + 1} ${d.name}: ${(r.ms / 1000).toFixed(2)} s`);
      } catch (e) {
        pullErrors[d.name] = (e as Error).message;
        log(`  ${d.name}: ${pullErrors[d.name]}`);
      }
    }
  }
  const mbps = (name: string) =>
    pulls[name].length ? bigBytes / 1e6 / (median(pulls[name].map((p) => p.ms)) / 1000) : null;
  const pullRatio = ratio(mbps('berth'), mbps('dockerd'));
  metrics.push({
    id: 'pull',
    title: `pull ${(bigBytes / 1e6).toFixed(0)} MB / ${LAYERS} layers`,
    unit: 'MB/s',
    better: 'higher',
    berth: mbps('berth'),
    dockerd: dockerd ? mbps('dockerd') : null,
    ratio: pullRatio,
    bar: '≥ 1.0×',
    pass: judgeRatio(pullRatio, 1.0, 'higher'),
    notes: [
      `median of ${ROUNDS} rounds, wall time of \`docker pull\` (download + verify + unpack), compressed bytes`,
      ...Object.entries(pullErrors).map(([n, m]) => `${n} failed: ${m.split('\n')[0]}`),
    ],
  });
  raw.pull = {
    imageBytes: bigBytes,
    layers: LAYERS,
    ref: big.ref,
    rounds: pulls,
    dataRootBytesAfterRemoval: Object.fromEntries(engines().map((d) => [d.name, diskUsage(d.dataRoot)])),
  };

  // ---- 2. many images
  log(`creating ${IMAGES} images in each engine`);
  let method: PopulateMethod = 'pull';
  const populateErrors: Record<string, string> = {};
  try {
    const probed = await probeMethod(berth, probe, registry.host);
    method = probed.method;
    notes.push(...probed.notes);
  } catch (e) {
    populateErrors.berth = (e as Error).message;
  }
  if (method === 'pull') await pushSmallImages(registry, many);
  for (const d of engines()) {
    if (populateErrors[d.name]) continue;
    try {
      const start = Date.now();
      await populate(d, many, method, registry.host);
      log(`  ${d.name}: ${IMAGES} images by ${method} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    } catch (e) {
      populateErrors[d.name] = (e as Error).message;
      log(`  ${d.name}: ${populateErrors[d.name]}`);
    }
  }
  const counts: Record<string, number> = {};
  for (const d of engines()) {
    const r = await d.docker(['images', '-q', '--no-trunc']);
    counts[d.name] = new Set(r.stdout.split('\n').filter(Boolean)).size;
  }
  notes.push(
    `${IMAGES} images created by \`docker ${method}\`; distinct image IDs listed: ` +
      Object.entries(counts)
        .map(([n, c]) => `${n} ${c}`)
        .join(', '),
  );

  log(`timing docker images / docker system df (${REPEAT} runs each, alternating)`);
  const listing: Record<string, Record<string, number[]>> = {};
  for (const d of engines()) listing[d.name] = { images: [], df: [], apiImages: [], apiDf: [] };
  const listErrors: Record<string, string> = {};
  const batches = 3;
  for (let b = 0; b < batches; b++) {
    for (const d of order(b)) {
      if (listErrors[d.name] || populateErrors[d.name]) continue;
      try {
        const n = Math.ceil(REPEAT / batches);
        listing[d.name].images.push(...(await timeCli(d, ['images'], n, b === 0 ? 2 : 0)));
        listing[d.name].df.push(...(await timeCli(d, ['system', 'df'], n, b === 0 ? 2 : 0)));
        listing[d.name].apiImages.push(...(await timeApi(d, '/images/json', n)));
        listing[d.name].apiDf.push(...(await timeApi(d, '/system/df', n)));
      } catch (e) {
        listErrors[d.name] = (e as Error).message;
        log(`  ${d.name}: ${listErrors[d.name]}`);
      }
    }
  }
  const med = (name: string, key: string) => {
    const runs = listing[name]?.[key];
    return runs && runs.length ? median(runs) : null;
  };
  for (const [id, key, title] of [
    ['images', 'images', `docker images (${IMAGES} images)`],
    ['df', 'df', `docker system df (${IMAGES} images)`],
  ] as const) {
    const r = ratio(med('berth', key), med('dockerd', key));
    const apiKey = key === 'images' ? 'apiImages' : 'apiDf';
    const m: Metric = {
      id,
      title,
      unit: 'ms',
      better: 'lower',
      berth: med('berth', key),
      dockerd: med('dockerd', key),
      ratio: r,
      bar: id === 'df' ? '≤ 1.0× (and < 200 ms)' : '≤ 1.0×',
      pass: judgeRatio(r, 1.0, 'lower'),
      notes: [
        `median of ${listing.berth?.[key]?.length ?? 0} CLI runs (wall time incl. CLI start); ` +
          `API alone: berth ${fmtMs(med('berth', apiKey))}, dockerd ${fmtMs(med('dockerd', apiKey))}`,
        ...Object.entries({ ...populateErrors, ...listErrors }).map(([n, e]) => `${n}: ${e.split('\n')[0]}`),
      ],
    };
    if (id === 'df' && m.berth != null) {
      const abs = m.berth < 200;
      m.pass = m.pass == null ? abs : m.pass && abs;
    }
    metrics.push(m);
  }
  raw.listing = listing;
  raw.populate = { method, counts, errors: populateErrors };

  // ---- 3. idle RSS
  log(`idle for ${IDLE_WAIT_MS / 1000} s, then RSS`);
  await new Promise((r) => setTimeout(r, IDLE_WAIT_MS));
  const rss: Record<string, RssSample> = {};
  for (const d of engines()) rss[d.name] = treeRss(d.pid);
  raw.rssIdle = rss;
  const berthRss = rss.berth?.totalMB ?? null;
  const dockerdRss = rss.dockerd?.totalMB ?? null;
  metrics.push({
    id: 'rss',
    title: 'engine idle RSS after listing',
    unit: 'MB',
    better: 'lower',
    berth: berthRss,
    dockerd: dockerdRss,
    ratio: ratio(berthRss, dockerdRss),
    bar: '< 80 MB',
    pass: berthRss == null ? null : berthRss < 80,
    notes: [
      `process trees: ${Object.entries(rss)
        .map(([n, s]) => `${n} = ${s.processes.map((p) => `${p.comm} ${p.rssMB.toFixed(1)}`).join(' + ')}`)
        .join('; ')} (dockerd includes its containerd)`,
    ],
  });

  const cliVersion = execFileSync(DOCKER_BIN, ['--version'])
    .toString()
    .trim()
    .replace(/^Docker version /, '');
  const results: Results = {
    startedAt: new Date(t0).toISOString(),
    durationS: (Date.now() - t0) / 1000,
    host: { cpus: cpus().length, kernel: release(), node: process.version },
    versions: { berth: berthVersion, dockerd: dockerd?.version ?? null, dockerCli: cliVersion },
    reference: dockerd ? { ran: true } : { ran: false, reason: referenceReason },
    metrics,
    raw,
    notes,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write('\n' + renderTable(results) + '\n');
  if (!dockerd) process.stdout.write(noReferenceBanner(referenceReason ?? 'unknown') + '\n');
  process.stdout.write(`\nJSON: ${RESULTS}\n`);
}

function fmtMs(n: number | null): string {
  return n == null ? '—' : `${n.toFixed(1)} ms`;
}

try {
  await main();
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
