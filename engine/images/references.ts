import {
  familiarName,
  familiarString,
  fullString,
  isFullId,
  isIdPrefix,
  parseReference,
  type Reference,
} from '../reference/index.js';
import { NotFoundError } from '../errors.js';
import type { ImageRecord, ImageStore } from '../store/image-store.js';

export { familiarName, familiarString, fullString, parseReference, type Reference };

/** A stored reference string (`docker.io/library/busybox:latest` or `…@sha256:…`) parsed back. */
export function storedRef(ref: string): Reference {
  return parseReference(ref, { defaultTag: false });
}

export function isDigestRef(ref: string): boolean {
  return ref.includes('@');
}

/** Familiar repo tags and repo digests of an image, as docker lists them. */
export function repoTagsAndDigests(refs: readonly string[]): { tags: string[]; digests: string[] } {
  const tags: string[] = [];
  const digests: string[] = [];
  for (const r of refs) {
    const parsed = storedRef(r);
    if (parsed.digest) digests.push(`${familiarName(parsed)}@${parsed.digest}`);
    else tags.push(familiarString(parsed));
  }
  return { tags: tags.sort(), digests: digests.sort() };
}

export interface Resolved {
  image: ImageRecord;
  /** The full reference the input named, when it named one (not an ID). */
  ref?: string;
}

/**
 * Finds the image a user's string names, the way dockerd does: a full ID, a reference (tag or digest),
 * or else a unique ID prefix.
 */
export function resolveImage(store: ImageStore, input: string): Resolved {
  const notFound = () => new NotFoundError(`No such image: ${input}`);
  const hex = input.startsWith('sha256:') ? input.slice(7) : input;
  if (isFullId(hex)) {
    const image = store.get(`sha256:${hex}`);
    if (image) return { image };
    throw notFound();
  }
  let parsed: Reference | undefined;
  if (!input.startsWith('sha256:')) {
    try {
      parsed = parseReference(input);
    } catch (err) {
      if (!isIdPrefix(input)) throw err;
    }
  }
  if (parsed) {
    const full = fullString(parsed);
    const id = store.refTarget(full);
    if (id) {
      const image = store.get(id);
      if (image) return { image, ref: full };
    }
    // `name@digest` also finds an image by the digest of its manifest or config.
    if (parsed.digest) {
      const repo = familiarName(parsed);
      for (const image of store.all()) {
        const digests = [image.id, image.manifestDigest, image.indexDigest];
        if (!digests.includes(parsed.digest)) continue;
        if (store.refsOf(image.id).some((r) => familiarName(storedRef(r)) === repo)) return { image };
      }
    }
  }
  if (isIdPrefix(input)) {
    const matches = store.all().filter((img) => img.id.startsWith(`sha256:${hex}`));
    if (matches.length === 1) return { image: matches[0]! };
  }
  throw notFound();
}
