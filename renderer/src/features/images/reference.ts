// Reference helpers for the UI: which registry a name points at (for the login prompt), and what to
// call an image in a list.
import type { ImageSummary } from '../../bridge';

/** The registry host a reference names; `docker.io` when it has none. */
export function registryOf(ref: string): string {
  const name = ref.split('@')[0]!;
  const slash = name.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** `name:tag` → [name, tag]; the tag may be missing. Host ports are not tags. */
export function splitTag(ref: string): [string, string | undefined] {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, undefined];
}

/** docker's reference grammar, loosely: lowercase path components, optional host[:port], optional tag. */
export const TAG_PATTERN =
  /^([a-zA-Z0-9.-]+(:[0-9]+)?\/)?[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?$/;

export function isValidTag(ref: string): boolean {
  return ref.length <= 255 && TAG_PATTERN.test(ref);
}

/** A pullable reference, including name@sha256:… */
export function isValidRef(ref: string): boolean {
  const [name, digest] = ref.split('@');
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) return false;
  return isValidTag(name!);
}

/** The label of an image in lists: its first tag, else its first repo digest's name, else its id. */
export function imageLabel(img: Pick<ImageSummary, 'repoTags' | 'repoDigests' | 'id'>): string {
  if (img.repoTags[0]) return img.repoTags[0];
  if (img.repoDigests[0]) {
    const [name, digest] = img.repoDigests[0].split('@');
    return `${name}@${(digest ?? '').replace(/^sha256:/, '').slice(0, 12)}`;
  }
  return '<none>';
}

export function displayTag(ref: string): { name: string; tag: string } {
  const [name, tag] = splitTag(ref);
  return { name, tag: tag ?? 'latest' };
}
