import { describe, it, expect } from 'vitest';
import { parseWwwAuthenticate } from './challenge.js';

describe('parseWwwAuthenticate', () => {
  it('parses a Bearer challenge', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ]);
  });

  it('parses Basic, spaces, unquoted values and escapes', () => {
    expect(parseWwwAuthenticate('Basic realm="basic-realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'basic-realm' } },
    ]);
    expect(parseWwwAuthenticate('bearer  realm = "a\\"b" , service=svc, error="insufficient_scope"')).toEqual(
      [{ scheme: 'bearer', params: { realm: 'a"b', service: 'svc', error: 'insufficient_scope' } }],
    );
  });

  it('keeps scopes with commas and several challenges', () => {
    const c = parseWwwAuthenticate('Bearer realm="r",scope="repository:a:pull,push", Basic realm="x"');
    expect(c).toHaveLength(2);
    expect(c[0].params.scope).toBe('repository:a:pull,push');
    expect(c[1]).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });

  it('accepts arrays and empty input', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate(['Basic realm=a', 'Bearer realm=b'])).toHaveLength(2);
  });
});
