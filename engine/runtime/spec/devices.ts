/**
 * Device nodes and the device cgroup: the standard nodes every container gets, Docker's default
 * allow list, `--device`, `--device-cgroup-rule`, and every host device for `--privileged`.
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import type { OciDevice, OciDeviceCgroup, OciMount } from './types.js';

/** The nodes of the OCI "default devices" (config-linux.md); ptmx comes from devpts. */
export const DEFAULT_DEVICES: readonly OciDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const rule = (type: 'c' | 'b', major: number | undefined, minor: number | undefined, access = 'rwm') => {
  const r: OciDeviceCgroup = { allow: true, type, access };
  if (major !== undefined) r.major = major;
  if (minor !== undefined) r.minor = minor;
  return r;
};

/** Deny everything, then allow what Docker containers get (mknod of anything, the standard nodes, pts, tun). */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  return [
    { allow: false, access: 'rwm' },
    rule('c', undefined, undefined, 'm'),
    rule('b', undefined, undefined, 'm'),
    ...DEFAULT_DEVICES.map((d) => rule('c', d.major, d.minor)),
    rule('c', 5, 1), // /dev/console
    rule('c', 5, 2), // /dev/ptmx
    rule('c', 136, undefined), // /dev/pts/*
    rule('c', 10, 200), // /dev/net/tun
  ];
}

/** Binds of the host's nodes for runtimes that cannot mknod (rootless). */
export function deviceBindMounts(devices: readonly OciDevice[] = DEFAULT_DEVICES): OciMount[] {
  return devices.map((d) => ({
    destination: d.path,
    type: 'bind',
    source: d.path,
    options: ['bind', 'nosuid', 'noexec'],
  }));
}

// Linux dev_t encoding (glibc's gnu_dev_major/minor).
const major = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const minor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

function nodeFromStat(st: Stats, containerPath: string): OciDevice | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : undefined;
  if (!type) return undefined;
  const d: OciDevice = { path: containerPath, type, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  if (type !== 'p') {
    d.major = major(st.rdev);
    d.minor = minor(st.rdev);
  }
  return d;
}

async function walkDevices(
  hostDir: string,
  containerDir: string,
  skip: ReadonlySet<string>,
): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  let entries;
  try {
    entries = await fs.readdir(hostDir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const host = path.join(hostDir, e.name);
    if (skip.has(host)) continue;
    if (e.isDirectory()) out.push(...(await walkDevices(host, path.posix.join(containerDir, e.name), skip)));
    else if (e.isCharacterDevice() || e.isBlockDevice()) {
      const st = await fs.lstat(host).catch(() => undefined);
      const d = st && nodeFromStat(st, path.posix.join(containerDir, e.name));
      if (d) out.push(d);
    }
  }
  return out;
}

/** Every device node under the host's /dev (for --privileged), as dockerd lists them. */
export async function hostDevices(devDir = '/dev'): Promise<OciDevice[]> {
  const skip = new Set(
    ['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev', 'console'].map((n) =>
      path.join(devDir, n),
    ),
  );
  const devs = await walkDevices(devDir, '/dev', skip);
  // /dev/ptmx comes from the container's devpts, not the host's.
  return devs.filter((d) => d.path !== '/dev/ptmx');
}

/** HostConfig.Devices[] entry. */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer?: string;
  CgroupPermissions?: string;
}

/** Resolves `--device` mappings (a directory maps every node under it) into nodes and cgroup rules. */
export async function mappedDevices(
  mappings: readonly DeviceMapping[],
): Promise<{ devices: OciDevice[]; rules: OciDeviceCgroup[] }> {
  const devices: OciDevice[] = [];
  const rules: OciDeviceCgroup[] = [];
  for (const m of mappings) {
    const perms = m.CgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(perms)) throw new InvalidArgumentError(`invalid device mode: ${perms}`);
    const target = m.PathInContainer || m.PathOnHost;
    if (!path.posix.isAbsolute(target)) throw new InvalidArgumentError(`${target} is not an absolute path`);
    const st = await fs.stat(m.PathOnHost).catch(() => undefined);
    if (!st)
      throw new InvalidArgumentError(
        `error gathering device information while adding custom device "${m.PathOnHost}": no such file or directory`,
      );
    const found = st.isDirectory()
      ? await walkDevices(m.PathOnHost, target, new Set())
      : [nodeFromStat(st, target)].filter((d): d is OciDevice => !!d);
    if (found.length === 0) {
      throw new InvalidArgumentError(
        `error gathering device information while adding custom device "${m.PathOnHost}": not a device node`,
      );
    }
    for (const d of found) {
      devices.push(d);
      if (d.type === 'c' || d.type === 'b') rules.push(rule(d.type, d.major, d.minor, perms));
    }
  }
  return { devices, rules };
}

/** Parses a `--device-cgroup-rule` like `c 1:3 rwm` or `a *:* rwm`. */
export function parseDeviceCgroupRule(text: string): OciDeviceCgroup {
  const m = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`invalid device cgroup format '${text}'`);
  const r: OciDeviceCgroup = { allow: true, type: m[1] as 'a' | 'c' | 'b', access: m[4] };
  if (m[2] !== '*') r.major = Number(m[2]);
  if (m[3] !== '*') r.minor = Number(m[3]);
  return r;
}
