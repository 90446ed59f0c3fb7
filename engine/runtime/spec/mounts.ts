/**
 * The container's mount list as dockerd builds it: the default kernel filesystems, the user's
 * binds/volumes/tmpfs, the generated /etc files and the init binary; plus masked and read-only
 * paths.
 */
import path from 'node:path/posix';
import { InvalidArgumentError } from '../../errors.js';
import type { OciMount } from './types.js';

export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
export type Propagation = (typeof PROPAGATIONS)[number];

/** A user mount after volume resolution: volumes arrive as a host directory to bind. */
export interface UserMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind, volume). */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** Bind propagation; rprivate when omitted. */
  propagation?: Propagation;
  /** `bind` instead of `rbind` (BindOptions.NonRecursive). */
  nonRecursive?: boolean;
  /** Mounts[].TmpfsOptions. */
  tmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface DefaultMountOptions {
  /** HostConfig.ShmSize in bytes; 64 MiB when 0/undefined. */
  shmSize?: number;
  privileged?: boolean;
  /** `host`: bind the host's /dev/shm; `none`: no /dev/shm; otherwise a private tmpfs. */
  ipcMode?: 'private' | 'host' | 'none';
  /** devpts `gid=5` only when gid 5 exists in the container (not so in some user namespaces). */
  devptsGid5?: boolean;
  /**
   * Bind the host's /sys instead of mounting sysfs: needed when a user namespace does not own
   * the network namespace (rootless with host network).
   */
  bindSys?: boolean;
}

export function defaultMounts(opts: DefaultMountOptions = {}): OciMount[] {
  const sysAccess = opts.privileged ? 'rw' : 'ro';
  const shmSize = opts.shmSize && opts.shmSize > 0 ? opts.shmSize : DEFAULT_SHM_SIZE;
  const devpts = ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'];
  if (opts.devptsGid5 !== false) devpts.push('gid=5');
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: devpts },
    opts.bindSys
      ? {
          destination: '/sys',
          type: 'bind',
          source: '/sys',
          options: ['rbind', 'nosuid', 'noexec', 'nodev', sysAccess],
        }
      : {
          destination: '/sys',
          type: 'sysfs',
          source: 'sysfs',
          options: ['nosuid', 'noexec', 'nodev', sysAccess],
        },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', sysAccess],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
  if (opts.ipcMode === 'host') {
    mounts.push({
      destination: '/dev/shm',
      type: 'bind',
      source: '/dev/shm',
      options: ['rbind', 'rprivate'],
    });
  } else if (opts.ipcMode !== 'none') {
    mounts.push({
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    });
  }
  return mounts;
}

/** Applies tmpfs options left to right: a later flag overrides its opposite, a later key=value its key. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const opposite: Record<string, string> = {};
  for (const [a, b] of [
    ['exec', 'noexec'],
    ['suid', 'nosuid'],
    ['dev', 'nodev'],
    ['rw', 'ro'],
    ['atime', 'noatime'],
    ['diratime', 'nodiratime'],
    ['relatime', 'norelatime'],
    ['strictatime', 'nostrictatime'],
    ['private', 'rprivate'],
  ] as const) {
    opposite[a] = b;
    opposite[b] = a;
  }
  const propagation = new Set<string>(PROPAGATIONS);
  const out: string[] = [];
  for (const raw of options) {
    const opt = raw.trim();
    if (!opt) continue;
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const drop = (o: string) => {
      const k = o.includes('=') ? o.slice(0, o.indexOf('=')) : o;
      if (eq >= 0) return k === key;
      if (propagation.has(opt)) return propagation.has(o);
      return o === opt || o === opposite[opt];
    };
    for (let i = out.length - 1; i >= 0; i--) if (drop(out[i]!)) out.splice(i, 1);
    out.push(opt);
  }
  return out;
}

/** Lexically cleaned absolute path without a trailing slash (like Go's filepath.Clean). */
export function cleanPath(p: string): string {
  const n = path.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function mustBeAbsolute(p: string, kind: string): void {
  if (!path.isAbsolute(p)) {
    throw new InvalidArgumentError(
      `invalid mount config for type ${JSON.stringify(kind)}: invalid mount path: '${p}' mount path must be absolute`,
    );
  }
  if (cleanPath(p) === '/') {
    throw new InvalidArgumentError(
      `invalid mount config for type ${JSON.stringify(kind)}: invalid specification: destination can't be '/'`,
    );
  }
}

export function tmpfsMount(target: string, data: string): OciMount {
  mustBeAbsolute(target, 'tmpfs');
  const opts = ['noexec', 'nosuid', 'nodev', 'rprivate', ...data.split(',')];
  return { destination: cleanPath(target), type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(opts) };
}

export function userMountToOci(m: UserMount): OciMount {
  if (m.type === 'tmpfs') {
    const data: string[] = [];
    if (m.tmpfsOptions?.SizeBytes) data.push(`size=${Math.floor(m.tmpfsOptions.SizeBytes / 1024)}k`);
    if (m.tmpfsOptions?.Mode) data.push(`mode=${m.tmpfsOptions.Mode.toString(8)}`);
    if (m.readOnly) data.push('ro');
    return tmpfsMount(m.target, data.join(','));
  }
  mustBeAbsolute(m.target, m.type);
  if (!m.source || !path.isAbsolute(m.source)) {
    throw new InvalidArgumentError(
      `invalid mount config for type ${JSON.stringify(m.type)}: invalid mount path: '${m.source ?? ''}' mount path must be absolute`,
    );
  }
  const propagation = m.propagation ?? 'rprivate';
  if (!PROPAGATIONS.includes(propagation)) {
    throw new InvalidArgumentError(`invalid propagation mode: ${propagation}`);
  }
  const options = [m.nonRecursive ? 'bind' : 'rbind', propagation];
  if (m.readOnly) options.push('ro');
  return { destination: cleanPath(m.target), type: 'bind', source: m.source, options };
}

/** Parses a HostConfig.Binds entry `src:dst[:opts]`; a non-absolute src names a volume. */
export function parseBind(spec: string): UserMount & { volumeName?: string; nocopy?: boolean } {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  }
  const [src, target, mode = ''] = parts as [string, string, string?];
  const m: UserMount & { volumeName?: string; nocopy?: boolean } = { type: 'bind', target };
  if (path.isAbsolute(src)) m.source = src;
  else {
    m.type = 'volume';
    m.volumeName = src;
  }
  for (const opt of mode.split(',').filter(Boolean)) {
    if (opt === 'ro') m.readOnly = true;
    else if (opt === 'rw') m.readOnly = false;
    else if (opt === 'z' || opt === 'Z')
      continue; // SELinux relabel: not applicable here
    else if (opt === 'nocopy') m.nocopy = true;
    else if ((PROPAGATIONS as readonly string[]).includes(opt)) m.propagation = opt as Propagation;
    else throw new InvalidArgumentError(`invalid mode: ${mode}`);
  }
  mustBeAbsolute(target, m.type);
  return m;
}

export interface ContainerMountOptions extends DefaultMountOptions {
  mounts?: readonly UserMount[];
  /** HostConfig.Tmpfs: container path → options (`size=64m,mode=1770`). */
  tmpfs?: Readonly<Record<string, string>> | null;
  /** Host paths of the generated files; each is skipped when the user mounts over it. */
  hostnamePath?: string;
  hostsPath?: string;
  resolvConfPath?: string;
  readonlyRootfs?: boolean;
  /** Extra binds the spec needs (init binary, rootless device nodes); mounted after the rest. */
  extra?: readonly OciMount[];
}

const depth = (p: string) => cleanPath(p).split('/').filter(Boolean).length;

/**
 * The full mount list, parents before children, and the rootfs propagation it needs
 * (rshared/rslave when a bind asks for shared/slave propagation, else rprivate).
 */
export function containerMounts(opts: ContainerMountOptions): {
  mounts: OciMount[];
  rootfsPropagation: string;
} {
  const user: OciMount[] = (opts.mounts ?? []).map(userMountToOci);
  for (const [target, data] of Object.entries(opts.tmpfs ?? {})) user.push(tmpfsMount(target, data));

  const seen = new Set<string>();
  for (const m of user) {
    if (seen.has(m.destination)) throw new InvalidArgumentError(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }

  const fileOpts = ['rbind', 'rprivate', ...(opts.readonlyRootfs ? ['ro'] : [])];
  for (const [dest, src] of [
    ['/etc/resolv.conf', opts.resolvConfPath],
    ['/etc/hostname', opts.hostnamePath],
    ['/etc/hosts', opts.hostsPath],
  ] as const) {
    if (src && !seen.has(dest))
      user.push({ destination: dest, type: 'bind', source: src, options: [...fileOpts] });
  }

  // A user mount replaces the default at the same place; one on /dev replaces everything under it.
  const overDev = seen.has('/dev');
  const defaults = defaultMounts(opts).filter(
    (m) => !seen.has(m.destination) && !(overDev && m.destination.startsWith('/dev/')),
  );
  const ordered = [...user, ...(opts.extra ?? [])].sort(
    (a, b) => depth(a.destination) - depth(b.destination),
  );

  let rootfsPropagation = 'rprivate';
  for (const m of ordered) {
    if (m.options?.some((o) => o === 'shared' || o === 'rshared')) rootfsPropagation = 'rshared';
    else if (rootfsPropagation !== 'rshared' && m.options?.some((o) => o === 'slave' || o === 'rslave')) {
      rootfsPropagation = 'rslave';
    }
  }
  return { mounts: [...defaults, ...ordered], rootfsPropagation };
}
