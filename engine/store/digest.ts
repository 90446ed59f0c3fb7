import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isSha256Digest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Throws unless `s` is a sha256 digest (the only algorithm the store keeps). */
export function assertDigest(s: string): string {
  if (!isSha256Digest(s)) throw new InvalidArgumentError(`invalid digest: ${JSON.stringify(s)}`);
  return s;
}

export function hexOf(digest: string): string {
  return assertDigest(digest).slice('sha256:'.length);
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function newHash(): Hash {
  return createHash('sha256');
}

/** The chain IDs of a layer stack, as the OCI image spec defines them. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const parent = out[out.length - 1];
    out.push(parent === undefined ? diffId : sha256(`${parent} ${diffId}`));
  }
  return out;
}
