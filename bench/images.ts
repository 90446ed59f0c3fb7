/**
 * The image section: pull throughput of a ≥ 200 MB multi-layer image, `docker images` and
 * `docker system df` with many images, and the engines' idle RSS afterwards.
 */
import { execFileSync } from 'node:child_process';
import { ok, type BenchDaemon } from './daemon.js';
import { engines, fmtMs, order, timeApi, timeCli, type BenchContext } from './context.js';
import {
  buildMultiLayerImage,
  populate,
  probeMethod,
  pushSmallImages,
  smallImages,
  type PopulateMethod,
} from './fixtures.js';
import { diskUsage, median, ratio, treeRss, type RssSample } from './measure.js';
import { judgeRatio, type Metric } from './report.js';

export interface ImageBenchOptions {
  rounds: number;
  images: number;
  repeat: number;
  layers: number;
  layerBytes: number;
  idleWaitMs: number;
}

const syncDisks = () => execFileSync('sync');

interface PullRound {
  ms: number;
  complete: number;
  /** Disk usage of the data root right after the pull (proves the layers were unpacked). */
  dataRootBytes: number;
}

/** One timed `docker pull`, then removal of the image so the next round downloads again. */
async function pullRound(d: BenchDaemon, ref: string, layers: number, log: (m: string) => void) {
  const r = ok(await d.docker(['pull', ref], { timeoutMs: 600_000 }), `${d.name}: docker pull`);
  const complete = (r.stdout.match(/Pull complete/g) ?? []).length;
  if (complete !== layers)
    log(`${d.name}: only ${complete}/${layers} layers reported "Pull complete" (cached layers?)`);
  const dataRootBytes = diskUsage(d.dataRoot);
  ok(await d.docker(['rmi', ref]), `${d.name}: docker rmi`);
  await d.docker(['image', 'prune', '-f']);
  syncDisks();
  return { ms: r.ms, complete, dataRootBytes } satisfies PullRound;
}

export async function runImageBench(ctx: BenchContext, opt: ImageBenchOptions): Promise<void> {
  const { registry, log, metrics, raw, notes, dockerd } = ctx;
  const push = (m: Metric) => metrics.push({ ...m, section: 'images' });

  log(`generating and pushing the pull image: ${opt.layers} layers × ${opt.layerBytes / 1e6} MB`);
  const big = await buildMultiLayerImage(registry, 'berth-bench/big', {
    layers: opt.layers,
    bytesPerLayer: opt.layerBytes,
    filesPerLayer: 5,
    withBusybox: false,
  });
  const bigBytes = big.layers.reduce((a, l) => a + l.size, 0);
  const many = await smallImages(opt.images);
  const [probe] = await smallImages(1, 'probe');
  await pushSmallImages(registry, [probe]);

  // ---- 1. pull throughput
  log(`pull: ${opt.rounds} rounds of ${(bigBytes / 1e6).toFixed(0)} MB per engine`);
  const pulls: Record<string, PullRound[]> = { berth: [], dockerd: [] };
  const pullErrors: Record<string, string> = {};
  for (let round = 0; round < opt.rounds; round++) {
    for (const d of order(ctx, round)) {
      if (pullErrors[d.name]) continue;
      try {
        const r = await pullRound(d, big.ref, opt.layers, log);
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
  push({
    id: 'pull',
    title: `pull ${(bigBytes / 1e6).toFixed(0)} MB / ${opt.layers} layers`,
    unit: 'MB/s',
    better: 'higher',
    berth: mbps('berth'),
    dockerd: dockerd ? mbps('dockerd') : null,
    ratio: pullRatio,
    bar: '≥ 1.0×',
    pass: judgeRatio(pullRatio, 1.0, 'higher'),
    notes: [
      `median of ${opt.rounds} rounds, wall time of \`docker pull\` (download + verify + unpack), compressed bytes`,
      ...Object.entries(pullErrors).map(([n, m]) => `${n} failed: ${m.split('\n')[0]}`),
    ],
  });
  raw.pull = {
    imageBytes: bigBytes,
    layers: opt.layers,
    ref: big.ref,
    rounds: pulls,
    dataRootBytesAfterRemoval: Object.fromEntries(engines(ctx).map((d) => [d.name, diskUsage(d.dataRoot)])),
  };

  // ---- 2. many images
  log(`creating ${opt.images} images in each engine`);
  let method: PopulateMethod = 'pull';
  const populateErrors: Record<string, string> = {};
  try {
    const probed = await probeMethod(ctx.berth, probe, registry.host);
    method = probed.method;
    notes.push(...probed.notes);
  } catch (e) {
    populateErrors.berth = (e as Error).message;
  }
  if (method === 'pull') await pushSmallImages(registry, many);
  for (const d of engines(ctx)) {
    if (populateErrors[d.name]) continue;
    try {
      const start = Date.now();
      await populate(d, many, method, registry.host);
      log(`  ${d.name}: ${opt.images} images by ${method} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    } catch (e) {
      populateErrors[d.name] = (e as Error).message;
      log(`  ${d.name}: ${populateErrors[d.name]}`);
    }
  }
  const counts: Record<string, number> = {};
  for (const d of engines(ctx)) {
    const r = await d.docker(['images', '-q', '--no-trunc']);
    counts[d.name] = new Set(r.stdout.split('\n').filter(Boolean)).size;
  }
  notes.push(
    `${opt.images} images created by \`docker ${method}\`; distinct image IDs listed: ` +
      Object.entries(counts)
        .map(([n, c]) => `${n} ${c}`)
        .join(', '),
  );

  log(`timing docker images / docker system df (${opt.repeat} runs each, alternating)`);
  const listing: Record<string, Record<string, number[]>> = {};
  for (const d of engines(ctx)) listing[d.name] = { images: [], df: [], apiImages: [], apiDf: [] };
  const listErrors: Record<string, string> = {};
  const batches = 3;
  for (let b = 0; b < batches; b++) {
    for (const d of order(ctx, b)) {
      if (listErrors[d.name] || populateErrors[d.name]) continue;
      try {
        const n = Math.ceil(opt.repeat / batches);
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
    ['images', 'images', `docker images (${opt.images} images)`],
    ['df', 'df', `docker system df (${opt.images} images)`],
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
    push(m);
  }
  raw.listing = listing;
  raw.populate = { method, counts, errors: populateErrors };

  // ---- 3. idle RSS
  log(`idle for ${opt.idleWaitMs / 1000} s, then RSS`);
  await new Promise((r) => setTimeout(r, opt.idleWaitMs));
  const rss: Record<string, RssSample> = {};
  for (const d of engines(ctx)) rss[d.name] = treeRss(d.pid);
  raw.rssIdle = rss;
  const berthRss = rss.berth?.totalMB ?? null;
  const dockerdRss = rss.dockerd?.totalMB ?? null;
  push({
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
}
