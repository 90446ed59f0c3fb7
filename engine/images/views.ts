import type { ImageRecord } from '../store/image-store.js';
import type { Filters } from '../api/http.js';
import { InvalidArgumentError } from '../errors.js';
import { matchLabels, parseTimestamp } from '../filters.js';
import { familiarName, familiarString, repoTagsAndDigests, storedRef } from './references.js';

/** Version-dependent shape options of image JSON. */
export interface ViewOptions {
  /** API < 1.43: untagged images show `<none>:<none>` / `<none>@<none>`. */
  legacyNone: boolean;
  /** API < 1.44: `VirtualSize` is still sent. */
  virtualSize: boolean;
}

export function createdSeconds(img: ImageRecord): number {
  if (!img.created) return 0;
  const t = Date.parse(img.created);
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** `ImageSummary` as in `GET /images/json`. */
export function imageSummary(
  img: ImageRecord,
  refs: readonly string[],
  opts: ViewOptions,
  extra: { containers?: number; sharedSize?: number } = {},
): Record<string, unknown> {
  let { tags, digests } = repoTagsAndDigests(refs);
  if (opts.legacyNone) {
    if (tags.length === 0) tags = ['<none>:<none>'];
    if (digests.length === 0) digests = ['<none>@<none>'];
  }
  const out: Record<string, unknown> = {
    Containers: extra.containers ?? -1,
    Created: createdSeconds(img),
    Id: img.id,
    Labels: Object.keys(img.labels).length ? img.labels : null,
    ParentId: '',
    RepoDigests: digests,
    RepoTags: tags,
    SharedSize: extra.sharedSize ?? -1,
    Size: img.size,
  };
  if (opts.virtualSize) out.VirtualSize = img.size;
  return out;
}

/** Go's path.Match-style glob used by the `reference` filter. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new InvalidArgumentError(`invalid reference filter: ${glob}`);
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '!' + cls.slice(1);
      re += '[' + (cls.startsWith('!') ? '^' + cls.slice(1) : cls).replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** docker's `reference` filter: the pattern matches the familiar name or name:tag of any reference. */
export function matchReference(refs: readonly string[], patterns: readonly string[] | undefined): boolean {
  if (!patterns) return true;
  return matchingRefs(refs, patterns).length > 0;
}

/** The references a `reference` filter matches; dockerd lists only those in RepoTags/RepoDigests. */
export function matchingRefs(refs: readonly string[], patterns: readonly string[]): string[] {
  const res = patterns.map(globToRegExp);
  return refs.filter((r) => {
    const parsed = storedRef(r);
    const name = familiarName(parsed);
    return res.some(
      (re) =>
        re.test(name) ||
        re.test(familiarString(parsed)) ||
        (parsed.tag ? re.test(`${name}:${parsed.tag}`) : false),
    );
  });
}

/** Which images a set of `GET /images/json` filters keeps. */
export function imageFilter(
  filters: Filters,
  lookupCreated: (ref: string) => number,
  refsOf: (id: string) => readonly string[],
): (img: ImageRecord) => boolean {
  const dangling = filters.get('dangling');
  let danglingWanted: boolean | undefined;
  if (dangling) {
    if (dangling.length !== 1 || !['true', 'false', '1', '0'].includes(dangling[0]!.toLowerCase())) {
      throw new InvalidArgumentError(`invalid filter 'dangling=${dangling.join(',')}'`);
    }
    danglingWanted = ['true', '1'].includes(dangling[0]!.toLowerCase());
  }
  const before = filters.get('before')?.map(lookupCreated);
  const since = filters.get('since')?.map(lookupCreated);
  const until = filters.get('until')?.map((v) => parseTimestamp(v));
  const reference = filters.get('reference');
  const labels = filters.get('label');
  return (img) => {
    const refs = refsOf(img.id);
    const created = createdSeconds(img) * 1000;
    // dockerd: dangling=true keeps images without tags; dangling=false drops images without any reference.
    if (danglingWanted === true && refs.some((r) => storedRef(r).digest === undefined)) return false;
    if (danglingWanted === false && refs.length === 0) return false;
    if (before && !before.every((t) => created < t)) return false;
    if (since && !since.every((t) => created > t)) return false;
    if (until && !until.every((t) => created < t)) return false;
    if (!matchReference(refs, reference)) return false;
    if (!matchLabels(img.labels, labels)) return false;
    return true;
  };
}
