/**
 * Where the time of `docker run --rm IMAGE true` goes in Berth: a separate Berth engine runs under
 * `strace -f --seccomp-bpf` (only the traced syscalls stop the engine, so the overhead is small),
 * a few timed runs are matched against the trace by wall clock, and each run is broken down into
 * the helper processes the engine started (conmon, runc/crun create/start/delete, the perl attach
 * relay, …: execve → exit), mounts, fsyncs, and the rest (node engine + CLI).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startBerth } from './berth.js';
import { ok } from './daemon.js';
import { median } from './measure.js';

const TRACED = 'execve,mount,umount2,fsync,fdatasync,accept4';
const RUNTIME_VERBS = new Set([
  'create',
  'start',
  'delete',
  'kill',
  'state',
  'exec',
  'run',
  'features',
  'ps',
]);

export interface TraceEvent {
  pid: number;
  /** Epoch seconds. */
  t: number;
  kind: 'exec' | 'exit' | 'mount' | 'umount' | 'fsync' | 'accept';
  /** exec: label such as `runc create`; mount: fstype + target; fsync: fd. */
  detail: string;
  /** Time spent in the syscall (-T), seconds. */
  dur: number;
}

/** Parses `strace -f -ttt -T` output (unfinished/resumed pairs joined by pid). */
export function parseStrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const pending = new Map<number, { t: number; head: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]);
    let body = m[3];
    let start = t;
    if (body.endsWith('<unfinished ...>')) {
      pending.set(pid, { t, head: body.slice(0, -'<unfinished ...>'.length) });
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(body);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (!p) continue;
      body = p.head + resumed[2];
      start = p.t;
    }
    if (body.startsWith('+++ exited') || body.startsWith('+++ killed')) {
      events.push({ pid, t, kind: 'exit', detail: body.replace(/^\+\+\+ | \+\+\+$/g, ''), dur: 0 });
      continue;
    }
    const call = /^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)[^<]*(?:<([\d.]+)>)?\s*$/.exec(body);
    if (!call) continue;
    const [, name, args, ret, took] = call;
    const dur = took ? Number(took) : 0;
    if (name === 'execve') {
      if (ret !== '0') continue;
      events.push({ pid, t: start, kind: 'exec', detail: execLabel(args), dur });
    } else if (name === 'mount') {
      const parts = [...args.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
      events.push({
        pid,
        t: start,
        kind: 'mount',
        detail: `${parts[2] ?? '?'} → ${shorten(parts[1] ?? '?')}`,
        dur,
      });
    } else if (name === 'umount2') {
      events.push({
        pid,
        t: start,
        kind: 'umount',
        detail: shorten(/"([^"]*)"/.exec(args)?.[1] ?? '?'),
        dur,
      });
    } else if (name === 'fsync' || name === 'fdatasync') {
      events.push({ pid, t: start, kind: 'fsync', detail: `${name}(${args.split(',')[0]})`, dur });
    } else if (name === 'accept4' && ret !== '-1') {
      events.push({ pid, t: start, kind: 'accept', detail: 'accept4', dur });
    }
  }
  return events.sort((a, b) => a.t - b.t);
}

function shorten(path: string): string {
  return path.length > 60 ? '…' + path.slice(-59) : path;
}

/** `runc create`, `conmon`, `perl`, … from an execve argument list. */
function execLabel(args: string): string {
  const strings = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]);
  // The runtime re-executes itself (`/proc/self/exe init`): name it by argv[0].
  const bin = basename(strings[0] === '/proc/self/exe' ? (strings[1] ?? '?') : (strings[0] ?? '?'));
  if (bin === 'runc' || bin === 'crun') {
    if (strings.includes('init')) return `${bin} init`;
    const verb = strings.slice(2).find((s) => RUNTIME_VERBS.has(s));
    return verb ? `${bin} ${verb}` : bin;
  }
  return bin;
}

export interface RunProfile {
  wallMs: number;
  /** Per helper label: how many started and their summed lifetime (execve → exit), ms. */
  helpers: Record<string, { count: number; ms: number }>;
  /** Time in the window when at least one helper process was alive, ms. */
  helperBusyMs: number;
  mounts: number;
  mountMs: number;
  fsyncs: number;
  fsyncMs: number;
  /** The run as a timeline (ms from the CLI's spawn). */
  timeline: string[];
}

/** Breaks one run's window [t0, t1] (epoch seconds) down by the trace. */
export function profileWindow(events: TraceEvent[], t0: number, t1: number): RunProfile {
  const inWin = events.filter((e) => e.t >= t0 && e.t <= t1);
  const helpers: RunProfile['helpers'] = {};
  const spans: Array<[number, number]> = [];
  const open = new Map<number, { label: string; t: number }>();
  const close = (pid: number, t: number) => {
    const o = open.get(pid);
    if (!o) return;
    open.delete(pid);
    helpers[o.label] ??= { count: 0, ms: 0 };
    helpers[o.label].count++;
    helpers[o.label].ms += (t - o.t) * 1000;
    spans.push([o.t, t]);
  };
  const timeline: string[] = [];
  let sameRun: { pid: number; n: number; ms: number; head: string } | undefined;
  const rel = (t: number) => `+${((t - t0) * 1000).toFixed(1).padStart(6)} ms`;
  for (const e of inWin) {
    if (e.kind === 'exec') {
      close(e.pid, e.t);
      // The engine's own node process execs nothing; a shell launcher exec is not in the window.
      open.set(e.pid, { label: e.detail, t: e.t });
      timeline.push(`${rel(e.t)}  [${e.pid}] exec ${e.detail}`);
    } else if (e.kind === 'exit') {
      const o = open.get(e.pid);
      if (o)
        timeline.push(
          `${rel(e.t)}  [${e.pid}] ${o.label} ${e.detail} after ${((e.t - o.t) * 1000).toFixed(1)} ms`,
        );
      close(e.pid, e.t);
    } else if ((e.kind === 'mount' || e.kind === 'umount') && sameRun?.pid === e.pid) {
      // A runtime sets up dozens of mounts in a row: one line for the run of them.
      sameRun.n++;
      sameRun.ms += e.dur * 1000;
      timeline[timeline.length - 1] =
        `${sameRun.head} … ${sameRun.n} (u)mounts until ${rel(e.t)}, ${sameRun.ms.toFixed(2)} ms in the syscalls`;
      continue;
    } else {
      const took = e.dur ? ` (${(e.dur * 1000).toFixed(2)} ms)` : '';
      timeline.push(`${rel(e.t)}  [${e.pid}] ${e.kind} ${e.detail}${took}`);
      if (e.kind === 'mount' || e.kind === 'umount')
        sameRun = { pid: e.pid, n: 1, ms: e.dur * 1000, head: timeline[timeline.length - 1] };
      else sameRun = undefined;
      continue;
    }
    sameRun = undefined;
  }
  for (const pid of [...open.keys()]) close(pid, t1); // still alive at the end (conmon may linger)
  spans.sort((a, b) => a[0] - b[0]);
  let busy = 0;
  let cur: [number, number] | undefined;
  for (const s of spans) {
    if (!cur || s[0] > cur[1]) {
      if (cur) busy += cur[1] - cur[0];
      cur = [...s];
    } else cur[1] = Math.max(cur[1], s[1]);
  }
  if (cur) busy += cur[1] - cur[0];
  const sum = (k: TraceEvent['kind']) => inWin.filter((e) => e.kind === k);
  return {
    wallMs: (t1 - t0) * 1000,
    helpers,
    helperBusyMs: busy * 1000,
    mounts: sum('mount').length,
    mountMs: sum('mount').reduce((a, e) => a + e.dur * 1000, 0),
    fsyncs: sum('fsync').length,
    fsyncMs: sum('fsync').reduce((a, e) => a + e.dur * 1000, 0),
    timeline,
  };
}

const epochNow = () => (performance.timeOrigin + performance.now()) / 1000;

/** Profiles `runs` × `docker run --rm --network none IMAGE true` on a traced Berth engine. */
export async function profileRunRm(
  image: string,
  opts: { runs: number; log: (m: string) => void },
): Promise<{ text: string; runs: RunProfile[]; cliFloorMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-trace-'));
  const file = join(dir, 'strace.out');
  const args = [
    '-f',
    '--seccomp-bpf',
    '-q',
    '-ttt',
    '-T',
    '-s',
    '200',
    '-e',
    `trace=${TRACED}`,
    '-e',
    'signal=none',
  ];
  const berth = await startBerth({ strace: { file, args } });
  const windows: Array<[number, number]> = [];
  const floor: number[] = [];
  try {
    ok(await berth.docker(['pull', image]), 'pull');
    const cmd = ['run', '--rm', '--network', 'none', image, 'true'];
    for (let i = 0; i < 2; i++) ok(await berth.docker(cmd), 'warm-up run');
    for (let i = 0; i < opts.runs; i++) {
      const t0 = epochNow();
      ok(await berth.docker(cmd), 'run');
      windows.push([t0, epochNow()]);
    }
    // What the CLI alone costs: start-up plus one cheap request.
    for (let i = 0; i < 5; i++) floor.push(ok(await berth.docker(['ps', '-q']), 'ps').ms);
  } finally {
    await berth.stop();
  }
  const events = parseStrace(readFileSync(file, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  const runs = windows.map(([a, b]) => profileWindow(events, a, b));
  const cliFloorMs = median(floor);
  opts.log(`  traced ${runs.length} runs, ${events.length} events`);
  return { text: renderProfile(runs, cliFloorMs), runs, cliFloorMs };
}

/** Medians across runs per helper, plus the timeline of the median run. */
export function renderProfile(runs: RunProfile[], cliFloorMs: number): string {
  if (!runs.length) return 'profile: no runs';
  const labels = [...new Set(runs.flatMap((r) => Object.keys(r.helpers)))];
  const m = (f: (r: RunProfile) => number) => median(runs.map(f));
  const wall = m((r) => r.wallMs);
  const busy = m((r) => r.helperBusyMs);
  const out = [
    `Profile of berth \`docker run --rm --network none IMAGE true\` under strace (${runs.length} runs, medians):`,
    `  wall ${wall.toFixed(1)} ms (traced engine); CLI floor (\`docker ps -q\`) ${cliFloorMs.toFixed(1)} ms`,
    `  helper processes alive ${busy.toFixed(1)} ms; engine node + CLI alone ${(wall - busy).toFixed(1)} ms`,
    `  mounts ${m((r) => r.mounts)} taking ${m((r) => r.mountMs).toFixed(2)} ms in the syscall; ` +
      `fsyncs ${m((r) => r.fsyncs)} taking ${m((r) => r.fsyncMs).toFixed(2)} ms`,
    '  per helper (count, summed execve→exit):',
    ...labels
      .map((l) => ({ l, c: m((r) => r.helpers[l]?.count ?? 0), ms: m((r) => r.helpers[l]?.ms ?? 0) }))
      .sort((a, b) => b.ms - a.ms)
      .map((x) => `    ${x.l.padEnd(16)} ${String(x.c).padStart(3)}×  ${x.ms.toFixed(1).padStart(7)} ms`),
  ];
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[sorted.length >> 1];
  out.push(
    `  timeline of the median run (${mid.wallMs.toFixed(1)} ms):`,
    ...mid.timeline.map((l) => `    ${l}`),
  );
  return out.join('\n');
}
