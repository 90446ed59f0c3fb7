import { InvalidArgumentError } from '../errors.js';
import { goQuote } from './names.js';

/** Driver options the local driver accepts (`size` only with quota support, which we lack). */
const VALID_OPTIONS = ['type', 'o', 'device', 'size'];

/** Options that require others, checked in this order so the error is deterministic. */
const REQUIRED_WITH: [string, string[]][] = [
  ['type', ['device']],
  ['device', ['type']],
  ['o', ['device', 'type']],
];

/**
 * Validates local driver options with dockerd's wording (`invalid option: "x"`, `missing required
 * option: "device"`). Errors carry the `create <name>: ` prefix dockerd's volume store adds.
 */
export function validateDriverOptions(name: string, opts: Record<string, string>): void {
  const fail = (msg: string) => new InvalidArgumentError(`create ${name}: ${msg}`);
  const keys = Object.keys(opts).sort();
  for (const key of keys) {
    if (!VALID_OPTIONS.includes(key)) throw fail(`invalid option: ${goQuote(key)}`);
  }
  if ('size' in opts && parseSize(opts.size!) !== 0) {
    throw fail('quota size requested but no quota support');
  }
  for (const [opt, required] of REQUIRED_WITH) {
    if (!(opt in opts)) continue;
    for (const r of required) if (!(r in opts)) throw fail(`missing required option: ${goQuote(r)}`);
  }
}

/** A size like `10m` or `1.5GiB` in bytes (RAMInBytes: binary units); throws on junk. */
function parseSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`invalid size: '${value}'`);
  const power = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  return Math.floor(Number(m[1]) * 1024 ** power);
}

/** True when the volume's data directory is a mount made at use (tmpfs, bind, a device). */
export function needsMount(opts: Record<string, string>): boolean {
  return Boolean(opts.type || opts.device);
}

/** Arguments to mount(8) for the volume's options onto `target`. */
export function mountArgs(opts: Record<string, string>, target: string): string[] {
  const args = ['-t', opts.type || 'none'];
  if (opts.o) args.push('-o', opts.o);
  args.push('--', opts.device ?? '', target);
  return args;
}

/** Two option sets are the same when they hold the same keys and values. */
export function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
