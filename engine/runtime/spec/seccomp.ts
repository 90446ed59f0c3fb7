/**
 * Turns a Docker-format seccomp profile into the OCI `linux.seccomp` object for one container:
 * rules are kept or dropped by the container's capabilities, the host architecture and kernel
 * version, exactly as dockerd resolves `includes` / `excludes`.
 */
import { release } from 'node:os';
import { InvalidArgumentError } from '../../errors.js';
import { DEFAULT_SECCOMP_PROFILE, type SeccompFilter, type SeccompProfile } from './seccomp-default.js';
import type { OciSeccomp, OciSeccompSyscall } from './types.js';

export { DEFAULT_SECCOMP_PROFILE, type SeccompProfile } from './seccomp-default.js';

/** Node's `process.arch` → the names profiles use in `includes.arches` (Go's, with x86 for 386). */
const NODE_TO_PROFILE_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: 'x86',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64el: 'mips64le',
};

/** Profile arch name → libseccomp's native architecture constant. */
const NATIVE_SCMP_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  x86: 'SCMP_ARCH_X86',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
};

export interface SeccompContext {
  /** The container's capabilities (`CAP_…`). */
  capabilities: readonly string[];
  /** Profile-style arch name (amd64, arm64, …); defaults to this host's. */
  arch?: string;
  /** Kernel release (`6.1.0-13-amd64`); defaults to this host's. */
  kernel?: string;
}

export function hostProfileArch(): string {
  return NODE_TO_PROFILE_ARCH[process.arch] ?? process.arch;
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string) =>
    (v.match(/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/) ?? []).slice(1, 4).map((x) => Number(x ?? 0));
  const a = parse(kernel);
  const b = parse(min);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

function matchesIncludes(
  f: SeccompFilter | undefined,
  caps: readonly string[],
  arch: string,
  kernel: string,
) {
  if (!f) return true;
  if (f.arches?.length && !f.arches.includes(arch)) return false;
  if (f.caps?.length && !f.caps.every((c) => caps.includes(c))) return false;
  if (f.minKernel && !kernelAtLeast(kernel, f.minKernel)) return false;
  return true;
}

function matchesExcludes(
  f: SeccompFilter | undefined,
  caps: readonly string[],
  arch: string,
  kernel: string,
) {
  if (!f) return false;
  if (f.arches?.includes(arch)) return true;
  if (f.caps?.some((c) => caps.includes(c))) return true;
  if (f.minKernel && kernelAtLeast(kernel, f.minKernel)) return true;
  return false;
}

/** Resolves `profile` (Docker's default when omitted) for one container. */
export function seccompFor(
  ctx: SeccompContext,
  profile: SeccompProfile = DEFAULT_SECCOMP_PROFILE,
): OciSeccomp {
  const arch = ctx.arch ?? hostProfileArch();
  const kernel = ctx.kernel ?? release();
  const caps = ctx.capabilities;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidArgumentError(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  const architectures = [...(profile.architectures ?? [])];
  const native = NATIVE_SCMP_ARCH[arch];
  for (const m of profile.archMap ?? []) {
    if (m.architecture === native) architectures.push(m.architecture, ...(m.subArchitectures ?? []));
  }

  const syscalls: OciSeccompSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    if (rule.name && rule.names?.length) {
      throw new InvalidArgumentError("use either 'name' or 'names'");
    }
    if (!matchesIncludes(rule.includes, caps, arch, kernel)) continue;
    if (matchesExcludes(rule.excludes, caps, arch, kernel)) continue;
    const call: OciSeccompSyscall = {
      names: rule.names?.length ? [...rule.names] : [rule.name ?? ''],
      action: rule.action,
    };
    if (!call.names[0]) continue;
    if (rule.errnoRet !== undefined) call.errnoRet = rule.errnoRet;
    if (rule.args?.length) call.args = rule.args.map((a) => ({ ...a, valueTwo: a.valueTwo ?? 0 }));
    syscalls.push(call);
  }

  const out: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (profile.flags?.length) out.flags = [...profile.flags];
  return out;
}

/** Parses the JSON a `seccomp=<json>` security option carries (the CLI inlines the file). */
export function parseSeccompProfile(json: string): SeccompProfile {
  let p: unknown;
  try {
    p = JSON.parse(json);
  } catch (err) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (!p || typeof p !== 'object' || typeof (p as SeccompProfile).defaultAction !== 'string') {
    throw new InvalidArgumentError('Decoding seccomp profile failed: missing defaultAction');
  }
  return p as SeccompProfile;
}
