import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { parseDeviceCgroupRule } from './devices.js';
import { MASKED_PATHS, READONLY_PATHS } from './mounts.js';
import { parseSecurityOpt } from './security-opt.js';
import { type SpecInput, buildSpec } from './spec.js';
import { containerSysctls } from './sysctls.js';

const ID = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const base = (over: Partial<SpecInput> = {}): SpecInput => ({
  id: ID,
  rootfs: '/var/lib/berth/rootfs',
  args: ['sh'],
  user: { uid: 0, gid: 0, additionalGids: [], home: '/root', name: 'root' },
  network: { path: '/run/netns/x' },
  hostConfig: {},
  cgroupVersion: 1,
  arch: 'amd64',
  kernel: '6.1.0',
  resourceContext: { cpus: 4 },
  ...over,
});

describe('buildSpec', () => {
  it("builds Docker's defaults", async () => {
    const s = await buildSpec(base({ env: ['A=1'], tty: true, hostsPath: '/c/hosts' }));
    expect(s.hostname).toBe(ID.slice(0, 12));
    expect(s.process).toMatchObject({
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      cwd: '/',
      noNewPrivileges: false,
      oomScoreAdj: 0,
      capabilities: { bounding: [...DEFAULT_CAPABILITIES], effective: [...DEFAULT_CAPABILITIES] },
    });
    expect(s.process.env).toContain(`HOSTNAME=${ID.slice(0, 12)}`);
    expect(s.process.env).toContain('TERM=xterm');
    expect(s.process.rlimits![0]!.type).toBe('RLIMIT_NOFILE');
    expect(s.root).toEqual({ path: '/var/lib/berth/rootfs', readonly: false });
    expect(s.linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network', path: '/run/netns/x' },
    ]);
    expect(s.linux.cgroupsPath).toBe(`/berth/${ID}`);
    expect(s.linux.maskedPaths).toEqual(MASKED_PATHS);
    expect(s.linux.readonlyPaths).toEqual(READONLY_PATHS);
    expect(s.linux.seccomp!.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.linux.resources!.devices![0]).toEqual({ allow: false, access: 'rwm' });
    expect(s.linux.devices!.map((d) => d.path)).toEqual([
      '/dev/null',
      '/dev/zero',
      '/dev/full',
      '/dev/random',
      '/dev/urandom',
      '/dev/tty',
    ]);
    expect(s.linux.sysctl).toEqual({
      'net.ipv4.ip_unprivileged_port_start': '0',
      'net.ipv4.ping_group_range': '0 2147483647',
    });
    expect(s.linux.rootfsPropagation).toBe('rprivate');
    expect(s.mounts.map((m) => m.destination)).toContain('/etc/hosts');
  });

  it('network none/host, cgroup v2 namespace', async () => {
    const none = await buildSpec(base({ network: 'none', cgroupVersion: 2 }));
    expect(none.linux.namespaces).toContainEqual({ type: 'network' });
    expect(none.linux.namespaces).toContainEqual({ type: 'cgroup' });
    const host = await buildSpec(
      base({ network: 'host', hostConfig: { Sysctls: { 'kernel.shmmax': '1' } } }),
    );
    expect(host.linux.namespaces.some((n) => n.type === 'network')).toBe(false);
    expect(host.linux.sysctl).toEqual({ 'kernel.shmmax': '1' });
    expect(host.hostname).not.toBe(ID.slice(0, 12));
  });

  it('privileged: all caps, no seccomp, no masked paths, all devices', async () => {
    const s = await buildSpec(base({ hostConfig: { Privileged: true } }));
    expect(s.process.capabilities!.bounding).toContain('CAP_SYS_ADMIN');
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.linux.maskedPaths).toBeUndefined();
    expect(s.linux.readonlyPaths).toBeUndefined();
    expect(s.linux.resources!.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(s.linux.devices!.some((d) => d.path === '/dev/null')).toBe(true);
    expect(s.mounts.find((m) => m.destination === '/sys')!.options).toContain('rw');
  });

  it('security options, caps, seccomp choices', async () => {
    const s = await buildSpec(
      base({
        hostConfig: {
          SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'],
          CapAdd: ['sys_admin'],
          CapDrop: ['net_raw'],
        },
      }),
    );
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.linux.seccomp).toBeUndefined();
    expect(s.process.capabilities!.bounding).toContain('CAP_SYS_ADMIN');
    expect(s.process.capabilities!.bounding).not.toContain('CAP_NET_RAW');
    const custom = await buildSpec(
      base({ hostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_LOG"}'] } }),
    );
    expect(custom.linux.seccomp).toEqual({ defaultAction: 'SCMP_ACT_LOG', architectures: [], syscalls: [] });
    await expect(buildSpec(base({ hostConfig: { SecurityOpt: ['bogus=1'] } }))).rejects.toThrow(
      'invalid --security-opt 2: "bogus=1"',
    );
    const sys = await buildSpec(base({ hostConfig: { MaskedPaths: [], ReadonlyPaths: [] } }));
    expect(sys.linux.maskedPaths).toEqual([]);
  });

  it('Init wraps the command with docker-init', async () => {
    const s = await buildSpec(
      base({ args: ['top', '-b'], hostConfig: { Init: true }, initPath: '/usr/bin/catatonit' }),
    );
    expect(s.process.args).toEqual(['/sbin/docker-init', '--', 'top', '-b']);
    expect(s.mounts).toContainEqual({
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/catatonit',
      options: ['bind', 'ro'],
    });
    await expect(buildSpec(base({ hostConfig: { Init: true } }))).rejects.toThrow(/init/);
  });

  it('resources, ulimits, oom score, readonly rootfs, user groups', async () => {
    const s = await buildSpec(
      base({
        user: { uid: 1000, gid: 1000, additionalGids: [10], home: '/home/a', name: 'a' },
        hostConfig: {
          Memory: 32 << 20,
          NanoCpus: 5e8,
          Ulimits: [{ Name: 'nproc', Soft: 10, Hard: 20 }],
          OomScoreAdj: 500,
          ReadonlyRootfs: true,
        },
      }),
    );
    expect(s.linux.resources!.memory!.limit).toBe(32 << 20);
    expect(s.linux.resources!.cpu).toEqual({ period: 100000, quota: 50000 });
    expect(s.process.rlimits).toContainEqual({ type: 'RLIMIT_NPROC', soft: 10, hard: 20 });
    expect(s.process.oomScoreAdj).toBe(500);
    expect(s.root.readonly).toBe(true);
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10] });
    expect(s.process.capabilities!.effective).toEqual([]);
    expect(s.process.env).toContain('HOME=/home/a');
  });

  it('rootless: user namespace, bound devices, no cgroups', async () => {
    const maps = {
      uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
    };
    const s = await buildSpec(base({ rootless: maps }));
    expect(s.linux.namespaces).toContainEqual({ type: 'user' });
    expect(s.linux.uidMappings).toEqual(maps.uidMappings);
    expect(s.linux.cgroupsPath).toBeUndefined();
    expect(s.linux.resources).toBeUndefined();
    expect(s.linux.devices).toBeUndefined();
    expect(s.mounts).toContainEqual({
      destination: '/dev/null',
      type: 'bind',
      source: '/dev/null',
      options: ['bind', 'nosuid', 'noexec'],
    });
    expect(s.mounts.find((m) => m.destination === '/dev/pts')!.options).not.toContain('gid=5');
    expect(s.process.rlimits).toEqual([]);
    const delegated = await buildSpec(
      base({ rootless: { ...maps, cgroupsDelegated: true }, hostConfig: { Memory: 32 << 20 } }),
    );
    expect(delegated.linux.resources).toEqual({ memory: { limit: 32 << 20, swap: 64 << 20 } });
  });

  it("rootless sharing the engine's user namespace: no user namespace of its own, bounded sysctls", async () => {
    const s = await buildSpec(
      base({
        rootless: { uidMappings: [], gidMappings: [], maxGid: 65536 },
        network: { path: '/x/netns' },
        hostConfig: { Memory: 32 << 20 },
      }),
    );
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain('user');
    expect(s.linux.uidMappings).toBeUndefined();
    expect(s.linux.cgroupsPath).toBeUndefined();
    expect(s.linux.resources).toBeUndefined();
    expect(s.linux.devices).toBeUndefined();
    expect(s.mounts.find((m) => m.destination === '/dev/pts')!.options).toContain('gid=5');
    expect(s.linux.sysctl).toEqual({
      'net.ipv4.ip_unprivileged_port_start': '0',
      'net.ipv4.ping_group_range': '0 65536',
    });
  });

  it('validates paths and values', async () => {
    await expect(buildSpec(base({ workingDir: 'rel' }))).rejects.toThrow(
      "the working directory 'rel' is invalid, it needs to be an absolute path",
    );
    await expect(buildSpec(base({ rootfs: 'rel' }))).rejects.toThrow(/absolute/);
    await expect(buildSpec(base({ hostsPath: 'hosts' }))).rejects.toThrow(/absolute/);
    await expect(buildSpec(base({ hostConfig: { Memory: 100 } }))).rejects.toThrow(
      'Minimum memory limit allowed is 6MB',
    );
    await expect(buildSpec(base({ hostConfig: { NanoCpus: 8e9 } }))).rejects.toThrow(
      'Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available',
    );
    await expect(buildSpec(base({ args: [] }))).rejects.toThrow('No command specified');
  });

  it('devices and device cgroup rules', async () => {
    const s = await buildSpec(
      base({
        hostConfig: {
          Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rw' }],
          DeviceCgroupRules: ['c 42:* rmw'],
        },
      }),
    );
    expect(s.linux.devices).toContainEqual(
      expect.objectContaining({ path: '/dev/mynull', type: 'c', major: 1, minor: 3 }),
    );
    expect(s.linux.resources!.devices).toContainEqual({
      allow: true,
      type: 'c',
      major: 1,
      minor: 3,
      access: 'rw',
    });
    expect(s.linux.resources!.devices).toContainEqual({ allow: true, type: 'c', major: 42, access: 'rmw' });
    expect(parseDeviceCgroupRule('a *:* rwm')).toEqual({ allow: true, type: 'a', access: 'rwm' });
    expect(() => parseDeviceCgroupRule('x 1:2')).toThrow(/invalid device cgroup format/);
    await expect(buildSpec(base({ hostConfig: { Devices: [{ PathOnHost: '/nope' }] } }))).rejects.toThrow(
      /error gathering device information/,
    );
  });
});

describe('security-opt and sysctls', () => {
  it.each([
    [['no-new-privileges:true'], { noNewPrivileges: true }],
    [['no-new-privileges=false'], { noNewPrivileges: false }],
    [['seccomp=builtin'], { seccomp: undefined }],
    [['apparmor=unconfined', 'label=disable'], { apparmor: 'unconfined', label: ['disable'] }],
  ])('%j', (opts, expected) => {
    expect(parseSecurityOpt(opts)).toMatchObject(expected);
  });

  it('rejects malformed options', () => {
    expect(() => parseSecurityOpt(['nope'])).toThrow('invalid --security-opt 1: "nope"');
    expect(() => parseSecurityOpt(['no-new-privileges=maybe'])).toThrow('invalid --security-opt 2');
  });

  it('allows only namespaced sysctls', () => {
    const ctx = { hostNetwork: false, hostIpc: false, hostUts: false, defaults: false };
    expect(containerSysctls({ 'net.core.somaxconn': '1024', 'fs.mqueue.msg_max': '20' }, ctx)).toEqual({
      'net.core.somaxconn': '1024',
      'fs.mqueue.msg_max': '20',
    });
    expect(() => containerSysctls({ 'vm.swappiness': '1' }, ctx)).toThrow(
      /not in a separate kernel namespace/,
    );
    expect(() => containerSysctls({ 'net.core.somaxconn': '1' }, { ...ctx, hostNetwork: true })).toThrow(
      /network namespace/,
    );
  });
});
