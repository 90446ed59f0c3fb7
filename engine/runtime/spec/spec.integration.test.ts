/**
 * Runs containers from buildSpec's config.json with the real crun (no conmon) on a busybox rootfs
 * and checks, from inside and from the host, that Docker's defaults took effect.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCapabilities, DEFAULT_CAPABILITIES, KNOWN_CAPABILITIES } from './capabilities.js';
import { hostnameFile, hostsFile, resolvConfFile } from './files.js';
import { buildSpec, findInitBinary, type SpecHostConfig } from './spec.js';
import { resolveUser } from './user.js';

const CGROUP_PARENT = `/berth-spec-test-${process.pid}`;
const haveRuntime = existsSync('/usr/bin/crun') && existsSync('/bin/busybox') && process.getuid?.() === 0;

/**
 * crun 1.8.1 refuses hybrid cgroups whose v2 mount has controllers ("drop all controllers from
 * cgroupv2"); there we run it in a private mount namespace without that mount, so it sees v1.
 */
function crunCommand(args: string[]): [string, string[]] {
  const unified = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (existsSync(unified) && readFileSync(unified, 'utf8').trim() !== '') {
    return [
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'umount -l /sys/fs/cgroup/unified; exec crun "$@"',
        'crun',
        ...args,
      ],
    ];
  }
  return ['crun', args];
}

let workDir = '';
let rootfs = '';
const started: string[] = [];
let seq = 0;

function capHex(caps: readonly string[]): string {
  let v = 0n;
  for (const c of caps) v |= 1n << BigInt(KNOWN_CAPABILITIES.indexOf(c));
  return v.toString(16).padStart(16, '0');
}

interface RunOptions {
  script: string;
  user?: string;
  hostConfig?: SpecHostConfig;
  detach?: boolean;
}

async function prepare(opts: RunOptions): Promise<{ id: string; bundle: string; cgroupsPath: string }> {
  const id = `${(++seq).toString(16).padStart(4, '0')}${process.pid.toString(16).padStart(8, '0')}cafe${Date.now().toString(16)}`;
  const bundle = path.join(workDir, id);
  mkdirSync(bundle);
  const short = id.slice(0, 12);
  writeFileSync(path.join(bundle, 'hostname'), hostnameFile(short));
  writeFileSync(
    path.join(bundle, 'hosts'),
    hostsFile({ hostname: short, addresses: ['10.88.0.7'], extraHosts: ['db:10.1.2.3'] }),
  );
  writeFileSync(
    path.join(bundle, 'resolv.conf'),
    resolvConfFile({ hostResolvConf: 'nameserver 127.0.0.53\nsearch lan\n', dnsOptions: ['ndots:2'] }),
  );
  const cgroupsPath = `${CGROUP_PARENT}/${id}`;
  const spec = await buildSpec({
    id,
    rootfs,
    args: ['/bin/sh', '-c', opts.script],
    env: ['FOO=bar'],
    user: await resolveUser(rootfs, opts.user),
    network: 'none',
    hostConfig: opts.hostConfig ?? {},
    hostnamePath: path.join(bundle, 'hostname'),
    hostsPath: path.join(bundle, 'hosts'),
    resolvConfPath: path.join(bundle, 'resolv.conf'),
    initPath: findInitBinary(),
    cgroupsPath,
  });
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  started.push(id);
  return { id, bundle, cgroupsPath };
}

async function run(opts: RunOptions): Promise<{ code: number | null; out: string; err: string }> {
  const { id, bundle } = await prepare(opts);
  const [cmd, args] = crunCommand(['run', '--bundle', bundle, id]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!haveRuntime) return;
  workDir = mkdtempSync(path.join(tmpdir(), 'berth-spec-'));
  rootfs = path.join(workDir, 'rootfs');
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'mnt', 'root'])
    mkdirSync(path.join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  const applets = spawnSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).stdout.trim().split('\n');
  for (const a of applets) if (a && a !== 'busybox') symlinkSync('busybox', path.join(rootfs, 'bin', a));
  writeFileSync(
    path.join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:nobody\n');
});

afterAll(() => {
  for (const id of started) {
    const [cmd, args] = crunCommand(['delete', '-f', id]);
    spawnSync(cmd, args, { stdio: 'ignore' });
  }
  for (const ctl of [
    'memory',
    'cpu',
    'cpuacct',
    'cpuset',
    'devices',
    'freezer',
    'blkio',
    'pids',
    'systemd',
    'unified',
  ]) {
    const dir = path.join('/sys/fs/cgroup', ctl, CGROUP_PARENT);
    for (const id of started) spawnSync('rmdir', [path.join(dir, id)], { stdio: 'ignore' });
    spawnSync('rmdir', [dir], { stdio: 'ignore' });
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('buildSpec under crun', () => {
  it('has what the tests below need: root, crun and busybox-static', () => {
    expect(haveRuntime).toBe(true);
  });

  it('runs as root with the short id as hostname and the generated /etc files', async () => {
    const r = await run({
      script: 'id -u; id -g; hostname; echo "$HOSTNAME $FOO $HOME"; cat /etc/hosts /etc/resolv.conf',
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('0');
    expect(lines[1]).toBe('0');
    const short = lines[2]!;
    expect(short).toMatch(/^[0-9a-f]{12}$/);
    expect(lines[3]).toBe(`${short} bar /root`);
    expect(r.out).toContain(`10.88.0.7\t${short}\n`);
    expect(r.out).toContain('10.1.2.3\tdb\n');
    expect(r.out).toContain('nameserver 8.8.8.8\n');
    expect(r.out).not.toContain('127.0.0.53');
    expect(r.out).toContain('search lan\noptions ndots:2\n');
  });

  it('runs as the resolved user with supplementary groups and no effective capabilities', async () => {
    const r = await run({ user: 'nobody', script: 'id -u; id -g; id -G; grep CapEff /proc/self/status' });
    expect(r.code).toBe(0);
    const [uid, gid, groups, capEff] = r.out.split('\n');
    expect(uid).toBe('65534');
    expect(gid).toBe('65534');
    expect(groups!.split(' ')).toContain('50');
    expect(capEff).toBe('CapEff:\t0000000000000000');
  });

  it("has exactly Docker's default capabilities", async () => {
    const r = await run({ script: 'grep -E "^Cap(Eff|Bnd)" /proc/self/status' });
    expect(r.code).toBe(0);
    const hex = capHex(DEFAULT_CAPABILITIES);
    expect(r.out).toBe(`CapEff:\t${hex}\nCapBnd:\t${hex}\n`);
  });

  it('masks and write-protects kernel paths, and forbids mount and unshare', async () => {
    const script = [
      'for f in /proc/kcore /proc/keys /proc/timer_list; do [ -e $f ] && echo "$f:$(wc -c < $f)"; done',
      'ls /proc/acpi | wc -l',
      'echo x > /proc/sys/kernel/hostname && echo WROTE-PROC-SYS',
      'mount -t tmpfs x /mnt && echo MOUNTED',
      'unshare -U true && echo UNSHARED',
      // Ordinary work still goes: files, pipes, fork/exec, sockets.
      'echo ok > /tmp/f && cat /tmp/f | tr a-z A-Z',
      'true',
    ].join('; ');
    const r = await run({ script });
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/WROTE-PROC-SYS|MOUNTED|UNSHARED/);
    expect(r.out).toContain('/proc/keys:0\n');
    expect(r.out).toContain('/proc/timer_list:0\n');
    expect(r.out).not.toMatch(/\/proc\/kcore:[1-9]/);
    expect(r.out).toMatch(/^0$/m);
    expect(r.out).toContain('OK\n');
    expect(r.err).toMatch(/Read-only file system/);
  });

  it('lets seccomp=unconfined create a user namespace (so seccomp is what blocked it)', async () => {
    const r = await run({
      script: 'unshare -U true && echo UNSHARED',
      hostConfig: { SecurityOpt: ['seccomp=unconfined'] },
    });
    expect(r.out).toContain('UNSHARED');
  });

  it('lifts the restrictions for --privileged', async () => {
    const r = await run({
      hostConfig: { Privileged: true },
      script:
        'grep CapEff /proc/self/status; mount -t tmpfs x /mnt && echo MOUNTED; echo 1 > /proc/sys/kernel/shmmni && echo WROTE; wc -c < /proc/timer_list',
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`CapEff:\t${capHex(allCapabilities())}`);
    expect(r.out).toContain('MOUNTED');
    expect(r.out).toContain('WROTE');
    expect(r.out).not.toMatch(/^0$/m);
  });

  it('makes the root filesystem read-only with ReadonlyRootfs', async () => {
    const r = await run({
      hostConfig: { ReadonlyRootfs: true },
      script: 'touch /tmp/x && echo WROTE-ROOT; echo y > /dev/shm/y && cat /dev/shm/y',
    });
    expect(r.out).not.toContain('WROTE-ROOT');
    expect(r.out).toContain('y\n');
    expect(r.err).toMatch(/Read-only file system/);
  });

  it('runs catatonit as PID 1 with Init', async () => {
    const r = await run({
      hostConfig: { Init: true },
      script: 'tr "\\0" " " < /proc/1/cmdline; echo; echo $$',
    });
    expect(r.code).toBe(0);
    const [cmdline, pid] = r.out.split('\n');
    expect(cmdline!.startsWith('/sbin/docker-init -- /bin/sh -c')).toBe(true);
    expect(pid).not.toBe('1');
  });

  it('applies the memory limit to the container cgroup', async () => {
    const memory = 64 * 1024 * 1024;
    const { id, bundle, cgroupsPath } = await prepare({
      script: 'sleep 30',
      hostConfig: { Memory: memory, PidsLimit: 50 },
    });
    const [cmd, args] = crunCommand(['run', '--bundle', bundle, id]);
    const child = spawn(cmd, args, { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const limitFile = path.join('/sys/fs/cgroup/memory', cgroupsPath, 'memory.limit_in_bytes');
    const pidsFile = path.join('/sys/fs/cgroup/pids', cgroupsPath, 'pids.max');
    try {
      const deadline = Date.now() + 15_000;
      while (!existsSync(limitFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // The file appears before the runtime writes it: wait for the value.
      let value = '';
      while (Date.now() < deadline) {
        value = existsSync(limitFile) ? readFileSync(limitFile, 'utf8').trim() : '';
        if (value === String(memory)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(value).toBe(String(memory));
      expect(readFileSync(pidsFile, 'utf8').trim()).toBe('50');
    } finally {
      const [kcmd, kargs] = crunCommand(['kill', id, 'KILL']);
      spawnSync(kcmd, kargs, { stdio: 'ignore' });
      await exited;
    }
  });
});
