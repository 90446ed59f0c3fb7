import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { parseSeccompProfile, seccompFor } from './seccomp.js';

const allowed = (s: ReturnType<typeof seccompFor>, name: string) =>
  s.syscalls!.filter((c) => c.names.includes(name) && c.action === 'SCMP_ACT_ALLOW');

describe('seccomp', () => {
  const amd64 = seccompFor({ capabilities: DEFAULT_CAPABILITIES, arch: 'amd64', kernel: '6.1.0' });

  it('denies by default with EPERM', () => {
    expect(amd64.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(amd64.defaultErrnoRet).toBe(1);
  });

  it.each([
    ['amd64', ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']],
    ['arm64', ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']],
  ])('maps architectures for %s', (arch, expected) => {
    expect(seccompFor({ capabilities: [], arch, kernel: '6.1' }).architectures).toEqual(expected);
  });

  it('allows ordinary syscalls and arch-specific ones only on their arch', () => {
    for (const n of ['read', 'openat', 'execve', 'socket', 'arch_prctl'])
      expect(allowed(amd64, n).length).toBeGreaterThan(0);
    const arm = seccompFor({ capabilities: [], arch: 'arm64', kernel: '6.1' });
    expect(allowed(arm, 'arch_prctl')).toEqual([]);
    expect(allowed(arm, 'set_tls').length).toBe(1);
  });

  it('keeps capability-gated syscalls out without the capability', () => {
    for (const n of [
      'mount',
      'umount2',
      'unshare',
      'setns',
      'keyctl',
      'init_module',
      'reboot',
      'bpf',
      'ptrace',
    ]) {
      const rules = allowed(amd64, n);
      if (n === 'ptrace')
        expect(rules.every((r) => !r.args)).toBe(true); // kernel ≥ 4.8 allows it
      else expect(rules, n).toEqual([]);
    }
    expect(allowed(amd64, 'chroot').length).toBe(1); // CAP_SYS_CHROOT is a default capability
  });

  it('ptrace needs kernel 4.8 without CAP_SYS_PTRACE', () => {
    expect(allowed(seccompFor({ capabilities: [], arch: 'amd64', kernel: '4.4.0' }), 'ptrace')).toEqual([]);
  });

  it('filters clone flags and answers clone3 with ENOSYS without CAP_SYS_ADMIN', () => {
    const clone = allowed(amd64, 'clone');
    expect(clone).toEqual([
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    expect(amd64.syscalls!.find((c) => c.names.includes('clone3'))).toEqual({
      names: ['clone3'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
  });

  it('CAP_SYS_ADMIN unlocks mount, unshare and unfiltered clone', () => {
    const admin = seccompFor({
      capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      arch: 'amd64',
      kernel: '6.1',
    });
    for (const n of ['mount', 'umount2', 'unshare', 'setns', 'clone3'])
      expect(allowed(admin, n).length, n).toBe(1);
    expect(allowed(admin, 'clone').every((r) => !r.args)).toBe(true);
    expect(admin.syscalls!.some((c) => c.action === 'SCMP_ACT_ERRNO')).toBe(false);
  });

  it('allows only the known personality values', () => {
    const values = allowed(amd64, 'personality').map((r) => r.args![0]!.value);
    expect(values).toEqual([0, 8, 131072, 131080, 4294967295]);
  });

  it('parses a custom profile and rejects conflicting forms', () => {
    const p = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ name: 'kill', action: 'SCMP_ACT_ERRNO' }],
      }),
    );
    expect(seccompFor({ capabilities: [] }, p)).toMatchObject({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['kill'], action: 'SCMP_ACT_ERRNO' }],
    });
    expect(() => parseSeccompProfile('{')).toThrow(/Decoding seccomp profile failed/);
    expect(() =>
      seccompFor(
        { capabilities: [] },
        {
          defaultAction: 'SCMP_ACT_ALLOW',
          architectures: ['SCMP_ARCH_X86_64'],
          archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }],
        },
      ),
    ).toThrow(/use either 'architectures' or 'archMap'/);
  });
});
