import { describe, it, expect } from 'vitest';
import {
  InvalidReferenceError,
  familiarName,
  familiarString,
  fullString,
  isDigest,
  isFullId,
  isIdPrefix,
  makeReference,
  name,
  parseDigest,
  parseReference,
  parseRepositoryName,
  withDigest,
  withTag,
} from './index.js';

const HEX = 'a'.repeat(64);
const DIGEST = `sha256:${HEX}`;

function err(fn: () => unknown): InvalidReferenceError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidReferenceError);
    return e as InvalidReferenceError;
  }
  throw new Error('expected an error');
}

describe('parseReference normalization', () => {
  it.each([
    ['busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined],
    ['user/repo', 'docker.io', 'user/repo', 'latest', undefined],
    ['docker.io/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['index.docker.io/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['index.docker.io/user/repo:x', 'docker.io', 'user/repo', 'x', undefined],
    ['docker.io/library/busybox', 'docker.io', 'library/busybox', 'latest', undefined],
    ['127.0.0.1:5000/foo/bar:v1', '127.0.0.1:5000', 'foo/bar', 'v1', undefined],
    ['localhost/foo', 'localhost', 'foo', 'latest', undefined],
    ['localhost:5000/foo', 'localhost:5000', 'foo', 'latest', undefined],
    ['example.com/a/b/c', 'example.com', 'a/b/c', 'latest', undefined],
    ['[::1]:5000/foo', '[::1]:5000', 'foo', 'latest', undefined],
    ['Example.COM/foo', 'Example.COM', 'foo', 'latest', undefined],
    [`foo@${DIGEST}`, 'docker.io', 'library/foo', undefined, DIGEST],
    [`foo:tag@${DIGEST}`, 'docker.io', 'library/foo', 'tag', DIGEST],
    [`127.0.0.1:5000/foo@${DIGEST}`, '127.0.0.1:5000', 'foo', undefined, DIGEST],
    ['a.b_c__d-e--f/g', 'a.b_c__d-e--f', 'g', 'latest', undefined],
    ['a_b__c-d---e.f', 'docker.io', 'library/a_b__c-d---e.f', 'latest', undefined],
    ['foo:V1.0_x-y', 'docker.io', 'library/foo', 'V1.0_x-y', undefined],
  ])('%s', (input, domain, path, tag, digest) => {
    const ref = parseReference(input);
    expect(ref.domain).toBe(domain);
    expect(ref.path).toBe(path);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  it('leaves the tag off when asked', () => {
    expect(parseReference('busybox', { defaultTag: false })).toEqual({
      domain: 'docker.io',
      path: 'library/busybox',
    });
    expect(parseReference('busybox:1', { defaultTag: false }).tag).toBe('1');
  });

  it('accepts a 128-character tag, rejects 129', () => {
    expect(parseReference(`foo:${'a'.repeat(128)}`).tag).toHaveLength(128);
    expect(err(() => parseReference(`foo:${'a'.repeat(129)}`)).message).toBe('invalid reference format');
  });
});

describe('parseReference rejects', () => {
  it.each([
    [''],
    [':tag'],
    ['foo:'],
    ['foo@'],
    ['foo:-tag'],
    ['foo:.tag'],
    ['foo bar'],
    ['foo//bar'],
    ['/foo'],
    ['foo/'],
    ['-foo'],
    ['foo-'],
    ['foo..bar'],
    ['foo___bar'],
    ['foo@sha256:abc'],
    ['127.0.0.1:5000/foo:v1:v2'],
    ['foo:tag@'],
    ['@' + DIGEST],
  ])('%j → invalid reference format', (input) => {
    const e = err(() => parseReference(input));
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/invalid|digest/);
  });

  it('uses docker’s message for uppercase repository names', () => {
    expect(err(() => parseReference('Foo')).message).toBe(
      'invalid reference format: repository name (library/Foo) must be lowercase',
    );
    expect(err(() => parseReference('localhost:5000/Foo/bar:v1')).message).toBe(
      'invalid reference format: repository name (Foo/bar) must be lowercase',
    );
  });

  it('refuses a full 64-hex string as a repository name', () => {
    expect(err(() => parseReference(HEX)).message).toContain('cannot specify 64-byte hexadecimal strings');
  });

  it('checks digests', () => {
    expect(err(() => parseReference(`foo@sha256:${'a'.repeat(63)}`)).message).toBe(
      'invalid checksum digest length',
    );
    expect(err(() => parseReference(`foo@sha256:${'A'.repeat(64)}`)).message).toBe(
      'invalid checksum digest format',
    );
    expect(err(() => parseReference(`foo@md5:${'a'.repeat(32)}`)).message).toBe(
      'unsupported digest algorithm',
    );
  });

  it('limits the name to 255 characters', () => {
    const long = 'a'.repeat(250) + '/' + 'b'.repeat(10);
    expect(err(() => parseReference(`example.com/${long}`)).message).toContain('255');
  });
});

describe('formatting', () => {
  it.each([
    ['busybox', 'busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'docker.io/library/busybox'],
    ['user/repo:x', 'user/repo', 'user/repo:x', 'docker.io/user/repo:x', 'docker.io/user/repo'],
    [
      'library/a/b',
      'library/a/b',
      'library/a/b:latest',
      'docker.io/library/a/b:latest',
      'docker.io/library/a/b',
    ],
    [
      '127.0.0.1:5000/foo',
      '127.0.0.1:5000/foo',
      '127.0.0.1:5000/foo:latest',
      '127.0.0.1:5000/foo:latest',
      '127.0.0.1:5000/foo',
    ],
    [
      `busybox@${DIGEST}`,
      'busybox',
      `busybox@${DIGEST}`,
      `docker.io/library/busybox@${DIGEST}`,
      'docker.io/library/busybox',
    ],
  ])('%s', (input, fam, famStr, full, nm) => {
    const ref = parseReference(input);
    expect(familiarName(ref)).toBe(fam);
    expect(familiarString(ref)).toBe(famStr);
    expect(fullString(ref)).toBe(full);
    expect(name(ref)).toBe(nm);
  });

  it('round-trips through familiarString', () => {
    for (const s of [
      'busybox:latest',
      'user/repo:1',
      `127.0.0.1:5000/a/b:c@${DIGEST}`,
      'localhost/x:latest',
    ]) {
      expect(familiarString(parseReference(s))).toBe(s);
    }
  });
});

describe('digests and IDs', () => {
  it('validates digests', () => {
    expect(isDigest(DIGEST)).toBe(true);
    expect(isDigest(`sha512:${'0'.repeat(128)}`)).toBe(true);
    expect(isDigest(`sha512:${'0'.repeat(64)}`)).toBe(false);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(isDigest('sha256:')).toBe(false);
    expect(isDigest(HEX)).toBe(false);
    expect(parseDigest(DIGEST)).toEqual({ algorithm: 'sha256', hex: HEX });
  });

  it('recognises IDs', () => {
    expect(isFullId(HEX)).toBe(true);
    expect(isFullId('abc')).toBe(false);
    expect(isIdPrefix('abc123')).toBe(true);
    expect(isIdPrefix(`sha256:${HEX}`)).toBe(true);
    expect(isIdPrefix('sha256:ab')).toBe(true);
    expect(isIdPrefix('busybox')).toBe(false);
    expect(isIdPrefix('')).toBe(false);
    expect(isIdPrefix('a'.repeat(65))).toBe(false);
  });
});

describe('builders', () => {
  it('withTag / withDigest / makeReference / parseRepositoryName', () => {
    const ref = parseReference('busybox');
    expect(withTag(ref, 'v2')).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'v2' });
    expect(withDigest(ref, DIGEST).digest).toBe(DIGEST);
    expect(() => withTag(ref, '-x')).toThrow(InvalidReferenceError);
    expect(makeReference('127.0.0.1:5000', 'a/b', 't')).toEqual({
      domain: '127.0.0.1:5000',
      path: 'a/b',
      tag: 't',
    });
    expect(() => makeReference('127.0.0.1:5000', 'A', 't')).toThrow(InvalidReferenceError);
    expect(parseRepositoryName('busybox')).toEqual({ domain: 'docker.io', path: 'library/busybox' });
    expect(() => parseRepositoryName('busybox:1')).toThrow(InvalidReferenceError);
  });
});
