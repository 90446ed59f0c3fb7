import { InvalidArgumentError } from './errors.js';

/** Filter values shared by every list and prune endpoint (images, containers, volumes, networks, events). */

/** Parses dockerd's filter timestamps: unix seconds (with fraction), RFC 3339 or a Go duration ago. */
export function parseTimestamp(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(value);
  if (dur) {
    const mult: Record<string, number> = {
      ns: 1e-6,
      us: 1e-3,
      µs: 1e-3,
      ms: 1,
      s: 1000,
      m: 60_000,
      h: 3_600_000,
    };
    return now - Number(dur[1]) * mult[dur[2]!]!;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`failed to parse value ${value} as a timestamp`);
  return t;
}

/** docker's label filter: `key`, `key=value` (all must match). */
export function matchLabels(labels: Record<string, string>, wanted: readonly string[] | undefined): boolean {
  if (!wanted) return true;
  return wanted.every((w) => {
    const i = w.indexOf('=');
    if (i < 0) return w in labels;
    return labels[w.slice(0, i)] === w.slice(i + 1);
  });
}

/** docker's `label!=` filter: none of the given labels (or key=value pairs) may match. */
export function excludeLabels(
  labels: Record<string, string>,
  unwanted: readonly string[] | undefined,
): boolean {
  return !unwanted || unwanted.every((w) => !matchLabels(labels, [w]));
}
