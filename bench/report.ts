/**
 * Benchmark results: the JSON shape written to bench/results/latest.json, and the table printed
 * to stdout (each metric with both engines, the ratio, the DESIGN.md bar and pass/fail).
 */

export interface Series {
  /** Every run, in milliseconds. */
  runsMs: number[];
  medianMs: number;
}

export interface Metric {
  /** Stable key, e.g. 'pull', 'images', 'run-rm', 'ps'. */
  id: string;
  /** Which part of the benchmark measured it. */
  section?: 'images' | 'containers';
  title: string;
  unit: string;
  /** Which direction is better. */
  better: 'higher' | 'lower';
  berth: number | null;
  dockerd: number | null;
  /** berth / dockerd, null without a reference. */
  ratio: number | null;
  bar: string;
  /** null when the bar cannot be judged (no reference for a relative bar). */
  pass: boolean | null;
  notes: string[];
}

export interface Results {
  startedAt: string;
  durationS: number;
  host: { cpus: number; kernel: string; node: string };
  versions: { berth: string; dockerd: string | null; dockerCli: string };
  reference: { ran: boolean; reason?: string };
  metrics: Metric[];
  /** Raw measurements per metric and engine. */
  raw: Record<string, unknown>;
  notes: string[];
}

/** Relative bar: ratio against a limit, direction given by `better`. */
export function judgeRatio(ratio: number | null, limit: number, better: 'higher' | 'lower'): boolean | null {
  if (ratio == null) return null;
  return better === 'higher' ? ratio >= limit : ratio <= limit;
}

function fmt(n: number | null, digits = 1): string {
  if (n == null || !isFinite(n)) return '—';
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

/** The results as a fixed-width table plus notes. */
export function renderTable(r: Results): string {
  const head = ['metric', 'berth', 'dockerd', 'ratio b/d', 'bar', 'result'];
  const rows = r.metrics.map((m) => [
    `${m.title} (${m.unit}, ${m.better} is better)`,
    fmt(m.berth),
    fmt(m.dockerd),
    m.ratio == null ? '—' : `${m.ratio.toFixed(2)}×`,
    m.bar,
    m.pass == null ? 'n/a' : m.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i > 0 && i < 4)).join('  ');
  const out = [
    `Berth ${r.versions.berth} vs ${r.reference.ran ? `dockerd ${r.versions.dockerd}` : 'NO REFERENCE'} ` +
      `— ${r.host.cpus} CPUs, kernel ${r.host.kernel}, node ${r.host.node}, docker CLI ${r.versions.dockerCli}`,
    '',
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ];
  const notes = [...r.metrics.flatMap((m) => m.notes.map((n) => `${m.id}: ${n}`)), ...r.notes];
  if (notes.length) out.push('', ...notes.map((n) => `  * ${n}`));
  out.push('', `total ${r.durationS.toFixed(0)} s`);
  return out.join('\n');
}

/** The banner printed when the reference daemon is missing or would not start. */
export function noReferenceBanner(reason: string): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    '!!  REFERENCE dockerd NOT RUNNING — reporting Berth absolute numbers only, no ratios.',
    `!!  ${reason.split('\n')[0]}`,
    bar,
  ].join('\n');
}
