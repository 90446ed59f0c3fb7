/**
 * `npm run bench`: Berth's engine side by side with the reference dockerd (Debian docker.io,
 * started privately, only if installed) against one loopback registry, through the real docker
 * CLI. Two sections (default both; `--only images|containers` runs one):
 *  - images: pull throughput of a ≥ 200 MB multi-layer image, `docker images` and
 *    `docker system df` with 500 images, idle RSS (images.ts);
 *  - containers: `run --rm`, `run -d`/`stop`, `exec`, `logs` of 100 MB, `ps -a`/`system df` with
 *    1,000 containers, RSS with 100 running (containers.ts).
 * Prints ratios against the DESIGN.md §7 bars and writes bench/results/latest.json.
 * `--profile` adds an strace profile of `docker run --rm` on a separate Berth engine (profile.ts).
 *
 * Options: --only images|containers, --rounds N (pull rounds, 5), --images N (500), --repeat N
 * (listing runs, 15), --layers N (8), --layer-mb N (26), --containers N (1000), --running N (100),
 * --log-mb N (100), --container-repeat N (12), --no-reference (skip dockerd), --profile; for
 * experiments on Berth's process only: --berth-env K=V (repeatable) and --berth-node-flag FLAG.
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
import { runContainerBench } from './containers.js';
import { engines, type BenchContext } from './context.js';
import { ok, type BenchDaemon } from './daemon.js';
import { dockerdInstalled, startDockerd, type ReferenceDaemon } from './dockerd.js';
import { runImageBench } from './images.js';
import { treeRss } from './measure.js';
import { profileRunRm } from './profile.js';
import { noReferenceBanner, renderTable, type Metric, type Results } from './report.js';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    images: { type: 'string', default: '500' },
    repeat: { type: 'string', default: '15' },
    layers: { type: 'string', default: '8' },
    'layer-mb': { type: 'string', default: '26' },
    containers: { type: 'string', default: '1000' },
    running: { type: 'string', default: '100' },
    'log-mb': { type: 'string', default: '100' },
    'container-repeat': { type: 'string', default: '12' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
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

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const metrics: Metric[] = [];
  const only = opt.only;
  if (only && only !== 'images' && only !== 'containers')
    throw new Error(`--only wants images or containers, got ${only}`);

  log('starting the loopback registry');
  registry = await startRegistry();
  const base = await pushImage(registry, 'berth-bench/base', 'latest', [await busyboxLayer()], {
    config: { created: '2024-01-01T00:00:00Z' },
  });

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
  const ctx: BenchContext = { registry, berth, dockerd, metrics, raw, notes, log };

  await new Promise((r) => setTimeout(r, 2000));
  raw.rssFresh = Object.fromEntries(engines(ctx).map((d) => [d.name, treeRss(d.pid)]));

  // Warm-up: exercises each engine's pull path once (JIT, connection setup) with a small image.
  for (const d of engines(ctx)) ok(await d.docker(['pull', base.ref]), `${d.name}: warm-up pull`);

  if (only !== 'containers')
    await runImageBench(ctx, {
      rounds: Number(opt.rounds),
      images: Number(opt.images),
      repeat: Number(opt.repeat),
      layers: Number(opt.layers),
      layerBytes: Number(opt['layer-mb']) * 1e6,
      idleWaitMs: IDLE_WAIT_MS,
    });
  if (only !== 'images')
    await runContainerBench(ctx, base.ref, {
      repeat: Math.max(10, Number(opt['container-repeat'])),
      containers: Number(opt.containers),
      running: Number(opt.running),
      logBytes: Number(opt['log-mb']) * 1e6,
      logRuns: 3,
    });
  if (opt.profile) {
    // A separate Berth engine under strace, so tracing costs nothing in the numbers above.
    log('profiling docker run --rm on a traced berth engine');
    raw.profile = await profileRunRm(base.ref, { runs: 5, log });
  }

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
  if (raw.profile) process.stdout.write('\n' + (raw.profile as { text: string }).text + '\n');
  if (!dockerd) process.stdout.write(noReferenceBanner(referenceReason ?? 'unknown') + '\n');
  process.stdout.write(`\nJSON: ${RESULTS}\n`);
}

try {
  await main();
} catch (e) {
  log(`FAILED: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
