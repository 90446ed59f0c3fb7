/**
 * buildSpec: one container's OCI runtime config.json with Docker's defaults, from the create
 * request (Config + HostConfig), the resolved image/user/network/mount choices and host facts.
 */
import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path/posix';
import { InvalidArgumentError } from '../../errors.js';
import { containerCapabilities, processCapabilities } from './capabilities.js';
import {
  DEFAULT_DEVICES,
  type DeviceMapping,
  defaultDeviceRules,
  deviceBindMounts,
  hostDevices,
  mappedDevices,
  parseDeviceCgroupRule,
} from './devices.js';
import { MASKED_PATHS, READONLY_PATHS, containerMounts, type UserMount } from './mounts.js';
import { type NamespaceMode, type NetworkMode, namespaces } from './namespaces.js';
import { processEnv } from './process.js';
import {
  type ResourceConfig,
  type ResourceContext,
  defaultNofile,
  linuxResources,
  processRlimits,
} from './resources.js';
import { parseSeccompProfile, seccompFor } from './seccomp.js';
import { parseSecurityOpt } from './security-opt.js';
import { containerSysctls } from './sysctls.js';
import type { OciDevice, OciIdMapping, OciMount, OciSpec } from './types.js';
import type { ResolvedUser } from './user.js';

export const OCI_VERSION = '1.0.2';
export const DEFAULT_CGROUP_PARENT = '/berth';
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

/** The HostConfig fields buildSpec reads (Docker Engine API names). */
export interface SpecHostConfig extends ResourceConfig {
  Privileged?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  SecurityOpt?: string[] | null;
  ReadonlyRootfs?: boolean;
  ShmSize?: number;
  Tmpfs?: Record<string, string> | null;
  Sysctls?: Record<string, string> | null;
  Devices?: DeviceMapping[] | null;
  DeviceCgroupRules?: string[] | null;
  Init?: boolean | null;
  /** null/undefined: Docker's defaults; [] (e.g. `systempaths=unconfined`): none. */
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
}

export interface SpecInput {
  id: string;
  /** Host path of the container's root filesystem (the mounted overlay). */
  rootfs: string;
  /** Entrypoint + Cmd, combined by `processArgs`. */
  args: string[];
  /** Config.Env, already merged with the image's (`mergeImageEnv`). */
  env?: string[] | null;
  workingDir?: string;
  /** From `resolveUser` (GroupAdd included). */
  user: ResolvedUser;
  tty?: boolean;
  hostname?: string;
  domainname?: string;
  hostConfig: SpecHostConfig;
  network: NetworkMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: NamespaceMode;
  /** Binds, volumes (resolved to host dirs) and tmpfs from Binds/Mounts. */
  mounts?: UserMount[];
  /** Host paths of the generated /etc files. */
  hostnamePath?: string;
  hostsPath?: string;
  resolvConfPath?: string;
  /** Host path of the init binary used when HostConfig.Init (see `findInitBinary`). */
  initPath?: string;
  /** cgroupfs path; `/berth/<id>` by default. */
  cgroupsPath?: string;
  /** 1 or 2; detected from /sys/fs/cgroup when omitted. */
  cgroupVersion?: 1 | 2;
  resourceContext?: ResourceContext;
  /**
   * Rootless: bound device nodes, no host sysctl defaults, cgroups only when delegated to us. With
   * mappings, the container gets a user namespace of its own; with none, it shares the user namespace
   * the (rootless) engine runs in, as podman's containers do by default.
   */
  rootless?: {
    uidMappings: OciIdMapping[];
    gidMappings: OciIdMapping[];
    cgroupsDelegated?: boolean;
    /** Shared namespace: its highest mapped gid (bounds net.ipv4.ping_group_range). */
    maxGid?: number;
  };
  /** Seccomp: host arch / kernel overrides (tests). */
  arch?: string;
  kernel?: string;
}

export function detectCgroupVersion(): 1 | 2 {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
}

const INIT_CANDIDATES = [
  '/usr/bin/catatonit',
  '/usr/libexec/catatonit/catatonit',
  '/usr/bin/tini-static',
  '/usr/bin/docker-init',
  '/usr/bin/tini',
];

/** The first init binary present on the host (catatonit preferred: static, and takes `--` like tini). */
export function findInitBinary(candidates: readonly string[] = INIT_CANDIDATES): string | undefined {
  return candidates.find((p) => existsSync(p));
}

function mustBeAbsolute(p: string, what: string): void {
  if (!path.isAbsolute(p)) throw new InvalidArgumentError(`${what} '${p}' must be an absolute path`);
}

function inMapping(maps: readonly OciIdMapping[], id: number): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}

export async function buildSpec(input: SpecInput): Promise<OciSpec> {
  const hc = input.hostConfig;
  if (!input.id) throw new InvalidArgumentError('container id is required');
  if (!path.isAbsolute(input.rootfs))
    throw new InvalidArgumentError(`rootfs '${input.rootfs}' must be an absolute path`);
  if (!input.args.length || !input.args[0]) throw new InvalidArgumentError('No command specified');
  const cwd = input.workingDir || '/';
  if (!path.isAbsolute(cwd)) {
    throw new InvalidArgumentError(
      `the working directory '${cwd}' is invalid, it needs to be an absolute path`,
    );
  }
  for (const [p, what] of [
    [input.hostnamePath, 'hostname file'],
    [input.hostsPath, 'hosts file'],
    [input.resolvConfPath, 'resolv.conf file'],
    [input.initPath, 'init binary'],
  ] as const) {
    if (p) mustBeAbsolute(p, what);
  }

  const privileged = !!hc.Privileged;
  const rootless = input.rootless;
  /** Rootless, sharing the engine's user namespace (which owns the network namespaces it creates). */
  const sharedUserns = !!rootless && rootless.uidMappings.length === 0;
  const security = parseSecurityOpt(hc.SecurityOpt);
  const caps = containerCapabilities({ capAdd: hc.CapAdd, capDrop: hc.CapDrop, privileged });
  const cgroupVersion = input.cgroupVersion ?? detectCgroupVersion();
  const hostNetwork = input.network === 'host';
  const hostUts = input.uts === 'host';

  let hostname = input.hostname || (hostNetwork ? osHostname() : input.id.slice(0, 12));
  if (hostUts) hostname = '';

  // Process.
  let args = [...input.args];
  const extra: OciMount[] = [];
  if (hc.Init) {
    if (!input.initPath)
      throw new InvalidArgumentError('no init binary (catatonit or tini) is available for --init');
    extra.push({
      destination: INIT_PATH_IN_CONTAINER,
      type: 'bind',
      source: input.initPath,
      options: ['bind', 'ro'],
    });
    args = [INIT_PATH_IN_CONTAINER, '--', ...args];
  }
  const user = input.user;
  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: !!input.tty,
      user: {
        uid: user.uid,
        gid: user.gid,
        ...(user.additionalGids.length ? { additionalGids: [...user.additionalGids] } : {}),
      },
      args,
      env: processEnv({
        env: input.env,
        hostname: input.hostname || hostname,
        tty: input.tty,
        home: user.home,
      }),
      cwd,
      capabilities: processCapabilities(caps, user.uid),
      rlimits: processRlimits(hc.Ulimits, rootless ? 0 : defaultNofile()),
      noNewPrivileges: security.noNewPrivileges,
      oomScoreAdj: hc.OomScoreAdj ?? 0,
    },
    root: { path: input.rootfs, readonly: !!hc.ReadonlyRootfs },
    mounts: [],
    linux: { namespaces: [] },
  };
  if (hostname) spec.hostname = hostname;
  if (input.domainname) spec.domainname = input.domainname;

  // Devices: the standard nodes (bound from the host when we cannot mknod), --device, or all of /dev.
  let devices: OciDevice[] = [];
  let deviceRules = defaultDeviceRules();
  if (rootless) {
    extra.push(...deviceBindMounts());
  } else if (privileged) {
    devices = await hostDevices();
    deviceRules = [{ allow: true, access: 'rwm' }];
  } else {
    devices = DEFAULT_DEVICES.map((d) => ({ ...d }));
  }
  if (hc.Devices?.length && !privileged) {
    const mapped = await mappedDevices(hc.Devices);
    if (rootless) {
      extra.push(
        ...mapped.devices.map((d) => ({
          destination: d.path,
          type: 'bind',
          source: d.path,
          options: ['bind'],
        })),
      );
    } else {
      devices = devices.filter((d) => !mapped.devices.some((m) => m.path === d.path)).concat(mapped.devices);
    }
    deviceRules.push(...mapped.rules);
  }
  if (!privileged) for (const r of hc.DeviceCgroupRules ?? []) deviceRules.push(parseDeviceCgroupRule(r));

  // Mounts.
  const { mounts, rootfsPropagation } = containerMounts({
    shmSize: hc.ShmSize,
    privileged,
    ipcMode: input.ipc === 'host' ? 'host' : 'private',
    devptsGid5: !rootless || sharedUserns || inMapping(rootless.gidMappings, 5),
    bindSys: !!rootless && hostNetwork,
    mounts: input.mounts,
    tmpfs: hc.Tmpfs,
    hostnamePath: hostUts ? undefined : input.hostnamePath,
    hostsPath: input.hostsPath,
    resolvConfPath: input.resolvConfPath,
    readonlyRootfs: hc.ReadonlyRootfs,
    extra,
  });
  spec.mounts = mounts;
  spec.linux.rootfsPropagation = rootfsPropagation;

  // Namespaces.
  spec.linux.namespaces = namespaces({
    network: input.network,
    pid: input.pid,
    ipc: input.ipc,
    uts: input.uts,
    cgroupns: cgroupVersion === 2,
    userns:
      rootless && !sharedUserns
        ? { uidMappings: rootless.uidMappings, gidMappings: rootless.gidMappings }
        : undefined,
  });
  if (rootless && !sharedUserns) {
    spec.linux.uidMappings = rootless.uidMappings.map((m) => ({ ...m }));
    spec.linux.gidMappings = rootless.gidMappings.map((m) => ({ ...m }));
  }
  if (devices.length) spec.linux.devices = devices;

  // Cgroups.
  const resources = linuxResources(hc, input.resourceContext);
  if (!rootless) {
    spec.linux.cgroupsPath = input.cgroupsPath ?? `${DEFAULT_CGROUP_PARENT}/${input.id}`;
    spec.linux.resources = { devices: deviceRules, ...resources };
  } else if (rootless.cgroupsDelegated) {
    spec.linux.cgroupsPath = input.cgroupsPath ?? `${DEFAULT_CGROUP_PARENT}/${input.id}`;
    spec.linux.resources = resources;
  }

  // Security.
  if (!privileged) {
    spec.linux.maskedPaths = hc.MaskedPaths ? [...hc.MaskedPaths] : [...MASKED_PATHS];
    spec.linux.readonlyPaths = hc.ReadonlyPaths ? [...hc.ReadonlyPaths] : [...READONLY_PATHS];
    if (security.seccomp !== 'unconfined') {
      const profile = security.seccomp === undefined ? undefined : parseSeccompProfile(security.seccomp);
      spec.linux.seccomp = seccompFor(
        { capabilities: caps, arch: input.arch, kernel: input.kernel },
        profile,
      );
    }
  }

  const sysctl = containerSysctls(hc.Sysctls, {
    hostNetwork,
    hostIpc: input.ipc === 'host',
    hostUts,
    defaults: !rootless || sharedUserns,
    pingGroupMax: sharedUserns ? rootless.maxGid : undefined,
  });
  if (Object.keys(sysctl).length) spec.linux.sysctl = sysctl;
  return spec;
}
