import { InvalidArgumentError } from '../errors.js';
import { excludeLabels, matchLabels } from '../filters.js';

/** `key`, `key=value` label filters against a label map (docker's MatchKVList). */
export const labelsMatch = (labels: Record<string, string>, wanted: readonly string[]): boolean =>
  matchLabels(labels, wanted);

/** docker's `label!=` semantics: none of the given labels (or key=value pairs) may match. */
export const labelsExclude = (labels: Record<string, string>, unwanted: readonly string[]): boolean =>
  excludeLabels(labels, unwanted);

/** A name filter matches like dockerd's `Args.Match`: as a regular expression, or as a substring. */
export function nameMatches(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (name.includes(p)) return true;
    try {
      return new RegExp(p).test(name);
    } catch {
      return false;
    }
  });
}

/** A single boolean filter value (`dangling`, `all`): true/1 or false/0, else dockerd's error. */
export function boolFilter(key: string, values: readonly string[]): boolean | undefined {
  if (values.length === 0) return undefined;
  let result: boolean | undefined;
  for (const v of values) {
    const lower = v.toLowerCase();
    let b: boolean;
    if (lower === 'true' || lower === '1') b = true;
    else if (lower === 'false' || lower === '0') b = false;
    else throw new InvalidArgumentError(`invalid filter '${key}=${v}'`);
    if (result !== undefined && result !== b) throw new InvalidArgumentError(`invalid filter '${key}'`);
    result = b;
  }
  return result;
}
