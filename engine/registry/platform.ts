/**
 * Platform strings (`linux/arm64/v8`) and choosing a manifest from an index, following the
 * normalization containerd's platforms package applies (amd64 = x86_64, arm64 = aarch64 with
 * variant v8 by default, arm with variant v7 by default).
 */
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Descriptor, Platform } from './manifest.js';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const archAliases: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
};

/** Normalises arch/variant spellings (arm64 has v8 by default, arm has v7). */
export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const os = p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  architecture = archAliases[architecture] ?? architecture;
  if (p.architecture.toLowerCase() === 'armhf') variant ??= 'v7';
  if (p.architecture.toLowerCase() === 'armel') variant ??= 'v6';
  if (architecture === 'arm64') {
    if (variant === '8' || variant === undefined) variant = 'v8';
  } else if (architecture === 'arm') {
    if (variant === undefined || variant === '7') variant = 'v7';
    else if (variant === '5' || variant === '6' || variant === '8') variant = `v${variant}`;
  } else if (architecture === 'amd64') {
    if (variant === 'v1') variant = undefined;
  }
  const out: PlatformSpec = { os, architecture };
  if (variant) out.variant = variant;
  return out;
}

/** Parses `os/arch[/variant]` (or just `arch`, meaning linux). */
export function parsePlatform(s: string): PlatformSpec {
  const parts = s.trim().split('/');
  if (parts.some((x) => x === '') || parts.length > 3) {
    throw new InvalidArgumentError(`"${s}": unknown operating system or architecture: invalid argument`);
  }
  if (parts.length === 1) {
    const known = [
      'amd64',
      'arm64',
      'arm',
      '386',
      'ppc64le',
      's390x',
      'riscv64',
      'mips64le',
      'x86_64',
      'aarch64',
    ];
    if (known.includes(parts[0].toLowerCase()))
      return normalizePlatform({ os: 'linux', architecture: parts[0] });
    return normalizePlatform({ os: parts[0], architecture: hostPlatform().architecture });
  }
  return normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
}

export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The platform images are pulled for by default: linux (Berth only runs Linux containers, natively
 * or in its VM) on this machine's architecture (Node's process.arch → GOARCH).
 */
export function hostPlatform(): PlatformSpec {
  const arch: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    mips: 'mips',
    mipsel: 'mipsle',
  };
  const architecture = arch[process.arch] ?? process.arch;
  let variant: string | undefined;
  if (architecture === 'arm') {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    variant = v ? `v${String(v)}` : undefined;
  }
  return normalizePlatform({ os: 'linux', architecture, variant });
}

/**
 * True when an index entry's platform can run on `want`. An arm variant vN also runs v(N-1)…v5
 * images, as containerd allows, but an exact variant match is preferred by `rankPlatform`.
 */
export function platformMatches(want: PlatformSpec, have: Platform | PlatformSpec): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform({ os: have.os, architecture: have.architecture, variant: have.variant });
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (w.variant === h.variant) return true;
  if (w.architecture === 'arm' && w.variant && h.variant) {
    return Number(h.variant.slice(1)) <= Number(w.variant.slice(1));
  }
  return false;
}

function rank(want: PlatformSpec, have: Platform): number {
  const w = normalizePlatform(want);
  const h = normalizePlatform({ os: have.os, architecture: have.architecture, variant: have.variant });
  if (w.variant === h.variant) return 1000;
  return Number(h.variant?.slice(1) ?? 0);
}

/**
 * Picks the manifest for `want` from an index's entries (first best match, as docker does).
 * Entries without a platform (attestations, artifacts) are skipped.
 */
export function choosePlatformManifest(entries: Descriptor[], want: PlatformSpec): Descriptor {
  let best: Descriptor | undefined;
  let bestRank = -1;
  for (const d of entries) {
    if (!d.platform || !platformMatches(want, d.platform)) continue;
    const r = rank(want, d.platform);
    if (r > bestRank) {
      best = d;
      bestRank = r;
    }
  }
  if (!best) {
    throw new NotFoundError(
      `no matching manifest for ${formatPlatform(normalizePlatform(want))} in the manifest list entries`,
    );
  }
  return best;
}
