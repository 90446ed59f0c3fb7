/**
 * What each benchmark section gets from the runner: the engines (Berth always, dockerd when it
 * runs), the loopback registry, and the result sinks; plus the timing loops the sections share.
 */
import type { TestRegistry } from '../test/support/registry.js';
import { ok, type BenchDaemon, type CliOptions } from './daemon.js';
import type { ReferenceDaemon } from './dockerd.js';
import type { Metric } from './report.js';

export interface BenchContext {
  registry: TestRegistry;
  berth: BenchDaemon;
  dockerd?: ReferenceDaemon;
  /** Results: metrics for the table, raw series for the JSON, free-form notes. */
  metrics: Metric[];
  raw: Record<string, unknown>;
  notes: string[];
  log(msg: string): void;
}

/** The engines that run, Berth first. */
export function engines(ctx: BenchContext): BenchDaemon[] {
  return [ctx.berth, ctx.dockerd].filter((d): d is BenchDaemon => !!d);
}

/** Engines in alternating order per round, so drift (page cache, thermal) hits both alike. */
export function order(ctx: BenchContext, round: number): BenchDaemon[] {
  return (round % 2 === 0 ? [ctx.berth, ctx.dockerd] : [ctx.dockerd, ctx.berth]).filter(
    (d): d is BenchDaemon => !!d,
  );
}

/** `warmup` untimed then `n` timed runs of `docker ARGS`; throws on a failing run. */
export async function timeCli(
  d: BenchDaemon,
  args: string[],
  n: number,
  warmup = 2,
  opts: CliOptions = {},
): Promise<number[]> {
  const what = `${d.name}: docker ${args.join(' ')}`;
  for (let i = 0; i < warmup; i++) ok(await d.docker(args, opts), what);
  const runs: number[] = [];
  for (let i = 0; i < n; i++) runs.push(ok(await d.docker(args, opts), what).ms);
  return runs;
}

/** `n` timed `GET path` requests straight to the API. */
export async function timeApi(d: BenchDaemon, path: string, n: number): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const res = await d.api('GET', path, { timeoutMs: 300_000 });
    if (res.status !== 200) throw new Error(`${d.name}: GET ${path} → ${res.status}`);
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return runs;
}

export function fmtMs(n: number | null | undefined): string {
  return n == null ? '—' : `${n.toFixed(1)} ms`;
}
