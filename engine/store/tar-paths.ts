/**
 * Entry-name hygiene for layer extraction. Names are cleaned lexically the way docker does
 * (filepath.Clean, absolute names taken relative to the layer root) and rejected when `..` would climb
 * above the root. Symlinks are not considered here; see unpack-tree.ts for that.
 */
import { InvalidArgumentError } from '../errors.js';

export const WHITEOUT_PREFIX = '.wh.';
/** Marks its directory opaque: lower layers' contents of that directory are hidden. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
/** Prefix of aufs bookkeeping entries (`.wh..wh.plnk`, `.wh..wh.aufs`), which are skipped. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** Longest entry name accepted (Linux PATH_MAX). */
const MAX_NAME = 4096;

export function invalidEntry(name: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid tar entry ${JSON.stringify(name)}: ${why}`);
}

/**
 * Splits a tar entry name into clean components relative to the layer root ([] is the root itself).
 * Throws for NUL bytes, over-long names, and `..` that would escape the root.
 */
export function cleanEntryName(name: string): string[] {
  if (name.includes('\0')) throw invalidEntry(name, 'name contains a NUL byte');
  if (name.length > MAX_NAME) throw invalidEntry(name.slice(0, 64) + '…', 'name too long');
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalidEntry(name, 'path escapes the layer root');
      out.pop();
    } else out.push(part);
  }
  return out;
}

/** Splits a symlink target for resolution inside the root: `..` is kept (it is clamped at the root later). */
export function splitLinkTarget(target: string): { absolute: boolean; parts: string[] } {
  return { absolute: target.startsWith('/'), parts: target.split('/').filter((p) => p !== '' && p !== '.') };
}

export type WhiteoutKind =
  { kind: 'opaque' } | { kind: 'whiteout'; name: string } | { kind: 'meta' } | undefined;

/** Classifies an entry's base name as a whiteout marker (or not). */
export function whiteoutOf(base: string): WhiteoutKind {
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_WHITEOUT) return { kind: 'opaque' };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  return { kind: 'whiteout', name };
}
