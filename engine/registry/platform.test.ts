import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import type { Descriptor } from './manifest.js';
import {
  choosePlatformManifest,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
} from './platform.js';

const d = (n: number, os: string, architecture: string, variant?: string): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

describe('platform strings', () => {
  it('parses and normalizes', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux/arm/v6')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(parsePlatform('linux/arm/6')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(parsePlatform('Linux/AMD64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(() => parsePlatform('linux//')).toThrow(/unknown operating system or architecture/);
    expect(() => parsePlatform('a/b/c/d')).toThrow();
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(normalizePlatform({ os: 'linux', architecture: 'armhf' })).toEqual({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
  });

  it('knows this host', () => {
    const h = hostPlatform();
    expect(h.os).toBe('linux');
    expect(h.architecture).toMatch(/^(amd64|arm64|arm|386|ppc64le|s390x|riscv64)$/);
  });
});

describe('matching', () => {
  it('matches os/arch/variant', () => {
    expect(platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64' })).toBe(true);
    expect(
      platformMatches(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    ).toBe(true);
    expect(platformMatches(parsePlatform('linux/amd64'), { os: 'windows', architecture: 'amd64' })).toBe(
      false,
    );
    expect(
      platformMatches(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' }),
    ).toBe(true);
    expect(
      platformMatches(parsePlatform('linux/arm/v6'), { os: 'linux', architecture: 'arm', variant: 'v7' }),
    ).toBe(false);
  });

  it('chooses the best entry and skips entries without a platform', () => {
    const attestation: Descriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'9'.repeat(64)}`,
      size: 1,
    };
    const entries = [
      attestation,
      d(1, 'linux', 'amd64'),
      d(2, 'linux', 'arm', 'v6'),
      d(3, 'linux', 'arm', 'v7'),
      d(4, 'linux', 'arm64', 'v8'),
    ];
    expect(choosePlatformManifest(entries, parsePlatform('linux/amd64')).digest).toBe(entries[1].digest);
    expect(choosePlatformManifest(entries, parsePlatform('linux/arm/v7')).digest).toBe(entries[3].digest);
    expect(choosePlatformManifest(entries, parsePlatform('linux/arm/v6')).digest).toBe(entries[2].digest);
    expect(choosePlatformManifest(entries, parsePlatform('linux/arm64')).digest).toBe(entries[4].digest);
    expect(choosePlatformManifest([d(2, 'linux', 'arm', 'v6')], parsePlatform('linux/arm/v7')).digest).toBe(
      d(2, 'linux', 'arm', 'v6').digest,
    );
  });

  it('fails with docker’s message when nothing matches', () => {
    const entries = [d(1, 'linux', 'arm64', 'v8')];
    expect(() => choosePlatformManifest(entries, parsePlatform('linux/amd64'))).toThrow(NotFoundError);
    expect(() => choosePlatformManifest(entries, parsePlatform('linux/amd64'))).toThrow(
      'no matching manifest for linux/amd64 in the manifest list entries',
    );
  });
});
