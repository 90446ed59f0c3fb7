/** Adapts the runtime-spec and volume modules to the ports the container service uses. */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  allCapabilities,
  buildSpec,
  processCapabilities,
  findInitBinary,
  processEnv,
  resolveUser,
  type SpecHostConfig,
  type UserMount,
  type Propagation,
} from '../runtime/spec/index.js';
import type { VolumeService } from '../volumes/service.js';
import type { NetworkPort, RuntimePort, SpecPort, VolumePort } from './ports.js';
import { ConflictError } from '../errors.js';
import type { ContainerService } from './service.js';
import type { EndpointOptions, NetworkManager } from '../network/index.js';
import type { DockerPortBindings } from '../network/ports.js';
import type { ContainerRecord, MountPoint, PortBinding } from './store.js';
import { maxMappedId, type RootlessInfo } from '../runtime/rootless/userns.js';

function userMounts(mounts: MountPoint[]): UserMount[] {
  return mounts.map((m) => {
    const um: UserMount = {
      type: m.Type === 'volume' ? 'bind' : m.Type,
      target: m.Destination,
      readOnly: !m.RW,
    };
    if (m.Type !== 'tmpfs') um.source = m.Source;
    if (m.Type === 'bind' && m.Propagation) um.propagation = m.Propagation as Propagation;
    if (m.Type === 'tmpfs' && m.tmpfsOptions) {
      const opts: { SizeBytes?: number; Mode?: number } = {};
      for (const kv of m.tmpfsOptions.split(',')) {
        const [k, v] = kv.split('=');
        if (k === 'size') opts.SizeBytes = Number(v);
        if (k === 'mode') opts.Mode = Number(v);
      }
      um.tmpfsOptions = opts;
    }
    return um;
  });
}

function networkMode(rec: ContainerRecord, netns: string | undefined) {
  if (rec.network.mode === 'host') return 'host' as const;
  if (netns && netns !== 'host') return { path: netns };
  return 'none' as const;
}

/** HostConfig limits that need the container's own cgroup, with the flags that set them. */
const CGROUP_LIMITS: [key: string, flag: string][] = [
  ['Memory', '--memory'],
  ['MemorySwap', '--memory-swap'],
  ['MemoryReservation', '--memory-reservation'],
  ['MemorySwappiness', '--memory-swappiness'],
  ['KernelMemory', '--kernel-memory'],
  ['OomKillDisable', '--oom-kill-disable'],
  ['NanoCpus', '--cpus'],
  ['CpuShares', '--cpu-shares'],
  ['CpuPeriod', '--cpu-period'],
  ['CpuQuota', '--cpu-quota'],
  ['CpuRealtimePeriod', '--cpu-rt-period'],
  ['CpuRealtimeRuntime', '--cpu-rt-runtime'],
  ['CpusetCpus', '--cpuset-cpus'],
  ['CpusetMems', '--cpuset-mems'],
  ['PidsLimit', '--pids-limit'],
  ['BlkioWeight', '--blkio-weight'],
];

/** The flags among `hc` that ask for a cgroup limit (unset, zero and the CLI's -1 defaults do not). */
export function cgroupLimitFlags(hc: Record<string, unknown>): string[] {
  return CGROUP_LIMITS.filter(([key]) => {
    const v = hc[key];
    if (v === undefined || v === null || v === '' || v === false) return false;
    return typeof v !== 'number' || (v !== 0 && v !== -1);
  }).map(([, flag]) => flag);
}

export interface SpecAdapterOptions {
  /** Set when the engine runs rootless (inside its own user namespace). */
  rootless?: RootlessInfo;
}

export function specAdapter(opts: SpecAdapterOptions = {}): SpecPort {
  const initPath = findInitBinary();
  const rootless = opts.rootless;
  // Containers share the rootless engine's user namespace (uid 0 there is the user).
  const rootlessSpec = rootless && {
    uidMappings: [],
    gidMappings: [],
    cgroupsDelegated: rootless.cgroups,
    maxGid: maxMappedId(rootless.gidMap),
  };
  return {
    limitWarnings(hc) {
      if (!rootless || rootless.cgroups) return [];
      const flags = cgroupLimitFlags(hc);
      if (flags.length === 0) return [];
      return [
        `Resource limits are not supported in rootless mode without cgroup v2 delegation and are ignored: ${flags.join(', ')}`,
      ];
    },
    async build({ bundle, rec, rootfs, imageConfig, network, files, mounts }) {
      const cfg = rec.config;
      const ic = (imageConfig.config ?? {}) as Record<string, unknown>;
      const user = await resolveUser(
        rootfs,
        cfg.User as string | undefined,
        ic.User as string | undefined,
        (rec.hostConfig.GroupAdd as string[] | undefined) ?? [],
      );
      const hostname = String(cfg.Hostname || rec.id.slice(0, 12));
      const spec = await buildSpec({
        id: rec.id,
        rootfs,
        args: [rec.path, ...rec.args],
        env: processEnv({ env: cfg.Env as string[], hostname, tty: Boolean(cfg.Tty), home: user.home }),
        workingDir: (cfg.WorkingDir as string) || '/',
        user,
        tty: Boolean(cfg.Tty),
        hostname,
        domainname: cfg.Domainname as string | undefined,
        hostConfig: rec.hostConfig as SpecHostConfig,
        network: networkMode(rec, network.netns),
        mounts: userMounts(mounts),
        hostnamePath: files.hostname,
        hostsPath: files.hosts,
        resolvConfPath: files.resolv,
        initPath,
        rootless: rootlessSpec,
      });
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
      return spec as unknown as Record<string, unknown>;
    },
    async execProcess(rec, opts) {
      const cfg = rec.config;
      const user = await resolveUser(opts.rootfs, opts.user || (cfg.User as string | undefined), undefined);
      const hostname = String(cfg.Hostname || rec.id.slice(0, 12));
      const env = processEnv({
        env: [...((cfg.Env as string[]) ?? []), ...opts.env],
        hostname,
        tty: opts.tty,
        home: user.home,
      });
      // The exec inherits the container's confinement (capabilities, rlimits, no_new_privs) from its spec.
      const spec = JSON.parse(await readFile(join(opts.bundle, 'config.json'), 'utf8').catch(() => '{}')) as {
        process?: Record<string, unknown>;
      };
      const base = spec.process ?? {};
      const process: Record<string, unknown> = {
        ...base,
        args: opts.cmd,
        env,
        cwd: opts.workingDir || (cfg.WorkingDir as string) || '/',
        terminal: opts.tty,
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      };
      if (opts.privileged) process.capabilities = processCapabilities(allCapabilities(), user.uid);
      return process;
    },
  };
}

export function volumeAdapter(volumes: VolumeService): VolumePort {
  return {
    async ensure(name, opts) {
      const v = await volumes.create(opts.anonymous ? {} : { name });
      return { name: v.Name, path: v.Mountpoint };
    },
    async seed(name, fromDir) {
      await volumes.seedFromImage(name, fromDir);
    },
    async mount(name, containerId) {
      await volumes.mount(name, { container: containerId });
    },
    async unmount(name, containerId) {
      await volumes.unmount(name, { container: containerId });
    },
    async remove(name) {
      await volumes.remove(name, {});
    },
  };
}

/** The runtime when crun/runc/conmon are missing: every container operation explains what to install. */
export function unavailableRuntime(err: Error): RuntimePort {
  const fail = async (): Promise<never> => {
    throw err;
  };
  return {
    create: fail,
    start: fail,
    kill: fail,
    pause: fail,
    resume: fail,
    state: async () => undefined,
    delete: async () => undefined,
    waitExit: fail,
    attach: fail,
    resize: fail,
    exec: fail,
    update: fail,
    prepare: () => undefined,
  };
}

/** Networking through the network manager: namespaces, pasta uplinks, published ports, peers' names. */
export function managedNetwork(
  networks: NetworkManager,
  containers: () => Pick<ContainerService, 'resolve' | 'store'>,
): NetworkPort {
  return {
    check(mode) {
      if (['default', 'bridge', 'host', 'none'].includes(mode)) return;
      if (mode.startsWith('container:')) containers().resolve(mode.slice('container:'.length));
      else networks.resolve(mode);
    },
    async setup(rec, hostsFile) {
      // `none`: the runtime makes a fresh namespace with only loopback; nothing to set up or release.
      if (rec.network.mode === 'none')
        return { netns: undefined, ports: {}, resolvConf: await hostResolvConf() };
      // `container:<id>`: join that running container's namespace and see its hosts and resolver.
      if (rec.network.mode.startsWith('container:')) {
        const other = containers().resolve(rec.network.mode.slice('container:'.length));
        if (!other.state.running || !other.state.pid) {
          throw new ConflictError(`cannot join network of a non running container: ${other.id}`);
        }
        const dir = containers().store.dir(other.id);
        await copyFile(join(dir, 'hosts'), hostsFile);
        return {
          netns: `/proc/${other.state.pid}/ns/net`,
          ports: {},
          hostsManaged: true,
          resolvConf: await readFile(join(dir, 'resolv.conf'), 'utf8').catch(() => hostResolvConf()),
        };
      }
      if (rec.network.mode === 'host') {
        await copyFile('/etc/hosts', hostsFile).catch(() => writeFile(hostsFile, '127.0.0.1\tlocalhost\n'));
        return { netns: 'host', ports: {}, hostsManaged: true, resolvConf: await hostResolvConf() };
      }
      const exposed = Object.keys((rec.config.ExposedPorts as Record<string, unknown> | undefined) ?? {});
      const att = await networks.ensureNamespace(rec.id, {
        name: rec.name.slice(1),
        hostname: String(rec.config.Hostname || rec.id.slice(0, 12)),
        networkMode: rec.network.mode === 'default' ? 'bridge' : rec.network.mode,
        endpoints: endpointsFor(rec),
        ports: {
          portBindings: (rec.hostConfig.PortBindings ?? undefined) as DockerPortBindings | undefined,
          publishAll: Boolean(rec.hostConfig.PublishAllPorts),
          exposedPorts: exposed,
        },
        hostsFile,
        extraHosts: (rec.hostConfig.ExtraHosts as string[] | null | undefined) ?? [],
      });
      const ports: Record<string, PortBinding[] | null> = {};
      for (const key of exposed) ports[key] = null;
      for (const p of att.ports) {
        const key = `${p.containerPort}/${p.proto}`;
        (ports[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
      }
      for (const key of Object.keys((rec.hostConfig.PortBindings as object | null | undefined) ?? {}))
        ports[key] ??= null;
      const dns = (rec.hostConfig.Dns as string[] | null | undefined) ?? [];
      const nameservers = dns.length ? dns : att.nameservers;
      const search = (rec.hostConfig.DnsSearch as string[] | null | undefined) ?? [];
      const options = (rec.hostConfig.DnsOptions as string[] | null | undefined) ?? [];
      const resolvConf = nameservers.length
        ? [
            ...nameservers.map((n) => `nameserver ${n}`),
            ...(search.length ? [`search ${search.join(' ')}`] : []),
            ...(options.length ? [`options ${options.join(' ')}`] : []),
          ].join('\n') + '\n'
        : await hostResolvConf();
      return {
        netns: att.netnsPath ?? 'host',
        ports,
        ipAddress: att.ip || undefined,
        gateway: att.gateway || undefined,
        macAddress: att.mac || undefined,
        hostsManaged: true,
        resolvConf,
      };
    },
    async release(rec) {
      if (['none', 'host'].includes(rec.network.mode) || rec.network.mode.startsWith('container:')) return;
      await networks.release(rec.id);
    },
  };
}

async function hostResolvConf(): Promise<string> {
  return readFile('/etc/resolv.conf', 'utf8').catch(() => '');
}

/** NetworkingConfig.EndpointsConfig with the CLI's `default` key meaning the default `bridge` network. */
function endpointsFor(rec: ContainerRecord): Record<string, EndpointOptions> | undefined {
  const eps = rec.network.endpoints as Record<string, EndpointOptions> | undefined;
  if (!eps) return undefined;
  const out: Record<string, EndpointOptions> = {};
  for (const [k, v] of Object.entries(eps)) out[k === 'default' ? 'bridge' : k] = v;
  return out;
}
