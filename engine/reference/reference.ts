/**
 * Docker image reference grammar and normalization (`busybox` → `docker.io/library/busybox:latest`).
 *
 * Grammar (as in distribution's reference package):
 *   reference   := name [ ":" tag ] [ "@" digest ]
 *   name        := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain      := host [ ":" port ]           host: DNS name or [IPv6]
 *   path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*     separator: "." | "_" | "__" | "-"+
 *   tag         := [\w][\w.-]{0,127}
 *   digest      := algorithm ":" hex
 *
 * A domain is recognised only when the first component contains "." or ":", is "localhost", or has
 * uppercase letters; otherwise the name is a Docker Hub repository.
 */

/** Thrown for any malformed reference; `status` is the HTTP status dockerd answers with. */
export class InvalidReferenceError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReferenceError';
  }
}

export interface Reference {
  /** Registry host, with port when given: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`, `foo/bar`. */
  path: string;
  tag?: string;
  digest?: string;
}

export interface ParseOptions {
  /** Add tag `latest` when neither tag nor digest is given (default true). */
  defaultTag?: boolean;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
export const NAME_TOTAL_LENGTH_MAX = 255;

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[[a-fA-F0-9:]+\\]';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|${ipv6})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePattern = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRe = new RegExp(`^(${namePattern})(?::(${tagPattern}))?(?:@(${digestPattern}))?$`);
const domainRe = new RegExp(`^${domainAndPort}$`);
const remoteNameRe = new RegExp(`^${remoteName}$`);
const tagRe = new RegExp(`^${tagPattern}$`);
const fullIdRe = /^[a-f0-9]{64}$/;
const idPrefixRe = /^[a-f0-9]{1,64}$/;

const digestHexLength: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface Digest {
  algorithm: string;
  hex: string;
}

/** Parses and validates `algo:hex` (sha256, sha384 or sha512, lowercase hex of the right length). */
export function parseDigest(s: string): Digest {
  const i = s.indexOf(':');
  if (i <= 0 || i === s.length - 1) throw new InvalidReferenceError('invalid checksum digest format');
  const algorithm = s.slice(0, i);
  const hex = s.slice(i + 1);
  const len = digestHexLength[algorithm];
  if (len === undefined) {
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*$/.test(algorithm)) {
      throw new InvalidReferenceError('invalid checksum digest format');
    }
    throw new InvalidReferenceError('unsupported digest algorithm');
  }
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new InvalidReferenceError(
      /^[a-fA-F0-9]+$/.test(hex) && hex.length !== len
        ? 'invalid checksum digest length'
        : 'invalid checksum digest format',
    );
  }
  return { algorithm, hex };
}

/** True when `s` is a well-formed digest (`sha256:<64 lowercase hex>`, sha384 or sha512). */
export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

/** True for a full 64-hex image/container ID (dockerd treats these as IDs, never repository names). */
export function isFullId(s: string): boolean {
  return fullIdRe.test(s);
}

/** True for a (possibly short) hex ID prefix, optionally written as `sha256:<hex>`. */
export function isIdPrefix(s: string): boolean {
  const hex = s.startsWith('sha256:') ? s.slice(7) : s;
  return idPrefixRe.test(hex);
}

/** True when `s` is a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(s: string): boolean {
  return tagRe.test(s);
}

/** Splits `name` into domain and remainder the way the docker CLI does. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses a reference as the docker CLI and dockerd do, normalizing familiar names
 * (`busybox` → docker.io/library/busybox:latest). Throws InvalidReferenceError.
 */
export function parseReference(input: string, opts: ParseOptions = {}): Reference {
  if (input === '') throw new InvalidReferenceError('invalid reference format');
  if (isFullId(input)) {
    throw new InvalidReferenceError(
      `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const { domain, remainder } = splitDomain(input);
  const tagSep = remainder.indexOf(':');
  const atSep = remainder.indexOf('@');
  let cut = remainder.length;
  if (tagSep !== -1) cut = tagSep;
  if (atSep !== -1 && atSep < cut) cut = atSep;
  const repo = remainder.slice(0, cut);
  if (repo.toLowerCase() !== repo) {
    throw new InvalidReferenceError(`invalid reference format: repository name (${repo}) must be lowercase`);
  }
  const full = `${domain}/${remainder}`;
  const m = referenceRe.exec(full);
  if (!m) throw new InvalidReferenceError('invalid reference format');
  const name = m[1];
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  }
  const ref: Reference = { domain, path: name.slice(domain.length + 1) };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    parseDigest(m[3]);
    ref.digest = m[3];
  }
  if (opts.defaultTag !== false && ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** Parses a repository name only (no tag or digest allowed), e.g. for `docker push NAME` / `?repo=`. */
export function parseRepositoryName(input: string): Reference {
  const ref = parseReference(input, { defaultTag: false });
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InvalidReferenceError('invalid reference format');
  }
  return ref;
}

/** Builds a reference from parts, validating each. */
export function makeReference(domain: string, path: string, tag?: string, digest?: string): Reference {
  if (!domainRe.test(domain)) throw new InvalidReferenceError('invalid reference format');
  if (!remoteNameRe.test(path)) throw new InvalidReferenceError('invalid reference format');
  if (tag !== undefined && !isValidTag(tag)) throw new InvalidReferenceError('invalid tag format');
  if (digest !== undefined) parseDigest(digest);
  const ref: Reference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Returns a copy with the given tag and no digest. */
export function withTag(ref: Reference, tag: string): Reference {
  if (!isValidTag(tag)) throw new InvalidReferenceError('invalid tag format');
  return { domain: ref.domain, path: ref.path, tag };
}

/** Returns a copy with the given digest and no tag. */
export function withDigest(ref: Reference, digest: string): Reference {
  parseDigest(digest);
  return { domain: ref.domain, path: ref.path, digest };
}

/** `docker.io/library/busybox`, `127.0.0.1:5000/foo/bar`. */
export function name(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The short form users type: `busybox`, `user/repo`, `127.0.0.1:5000/foo`. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return name(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

function suffix(ref: Reference): string {
  return (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** `busybox:latest`, `busybox@sha256:…`, `127.0.0.1:5000/foo:v1`. */
export function familiarString(ref: Reference): string {
  return familiarName(ref) + suffix(ref);
}

/** `docker.io/library/busybox:latest`. */
export function fullString(ref: Reference): string {
  return name(ref) + suffix(ref);
}

/** True when the reference points at Docker Hub. */
export function isDockerHub(ref: Reference): boolean {
  return ref.domain === DEFAULT_DOMAIN;
}
