// TEMPORARY (perf work): phase timings to stderr when BERTH_PHASES=1.
const on = process.env.BERTH_PHASES === '1';
let t0 = 0;
let last = 0;
export function phase(label: string, reset = false): void {
  if (!on) return;
  const now = performance.now();
  if (reset || !t0) {
    t0 = now;
    last = now;
  }
  process.stderr.write(
    `[phase] ${(now - t0).toFixed(1).padStart(7)} +${(now - last).toFixed(1).padStart(6)} ${label}\n`,
  );
  last = now;
}
