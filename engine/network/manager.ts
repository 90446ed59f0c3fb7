/**
 * Container networking without a host bridge and without iptables.
 *
 * Design:
 * - Every container that is not `host` gets its own named network namespace (/run/netns/<prefix>c-<id>).
 *   `none` stops there: the namespace has only `lo`.
 * - Each bridge-driver network (the predefined `bridge` and every user-defined one) is a "hub"
 *   namespace (/run/netns/<prefix>n-<id>) holding one Linux bridge `br0`. A container on the network
 *   gets a veth pair: `ethN` with its address inside its namespace, the other end on the hub's bridge.
 *   Containers on one network therefore reach each other directly at L2, like on dockerd's bridges,
 *   but the bridge lives in a private namespace, never on the host.
 * - Outbound traffic and published ports go through one pasta process per container, attached to the
 *   container's namespace as `tap0`. pasta is told the container's address and its network's gateway;
 *   the gateway gets a /32 route over `tap0` plus the default route, so outbound connections leave
 *   through pasta as host sockets (no NAT rules anywhere), and connections to the gateway address reach
 *   the host's loopback (pasta's gateway mapping: what `host.docker.internal` means here). Published
 *   ports are pasta `-t`/`-u` forwards bound only on the host address requested. `Internal` networks
 *   get no pasta. DNS: the container's resolver is the gateway; pasta forwards queries sent to it to
 *   the host's resolvers (`--dns-forward`), or, with `dnsForward: false`, they reach the host's
 *   127.0.0.1:53 through the gateway mapping.
 * - Names on user-defined networks resolve through /etc/hosts: the manager renders each container's
 *   hosts file (own name plus every peer's name, short ID and aliases on shared user-defined networks)
 *   and rewrites the files of all members in place whenever membership changes.
 * - State (network records, sandboxes with pasta PIDs and ports) is one atomically replaced JSON file.
 *   Namespaces (/run/netns bind mounts) and pasta daemons outlive the engine; `open()` adopts them,
 *   drops sandboxes whose namespace is gone (reboot) and restarts a dead pasta for a live namespace.
 *
 * Rootless, the engine runs as root of its own user namespace (runtime/rootless/) and stays in the
 * host's network namespace: the namespaces are then bind mounts in `netnsDir` inside the engine's
 * mount namespace (/run/netns belongs to the real root), `ip` runs through nsenter (see ip.ts), and
 * pasta, root there too, binds published ports on the host as the user — ports below
 * net.ipv4.ip_unprivileged_port_start (1024 by default) cannot be published.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError } from '../errors.js';
import {
  DEFAULT_BRIDGE_SUBNET,
  allocateAddress,
  checkAddress,
  firstHost,
  formatSubnet,
  intToIp,
  ipToInt,
  macFor,
  nextFreeSubnet,
  overlaps,
  parseSubnet,
} from './ipam.js';
import { createHash } from 'node:crypto';
import { Netns } from './ip.js';
import { PASTA_IFNAME, isPasta, startPasta, stopPasta } from './pasta.js';
import { resolvePorts, type PortBinding, type PortRequest } from './ports.js';
import { renderHosts, writeHostsInPlace, type HostsEntry } from './hosts.js';
import {
  loadState,
  saveState,
  type EndpointRecord,
  type NetworkRecord,
  type NetworkState,
  type SandboxRecord,
} from './state.js';
import { networkSettingsView, networkView, type DockerNetwork } from './views.js';

export type NetworkEventAction = 'create' | 'destroy' | 'connect' | 'disconnect' | 'remove';

export interface NetworkManagerOptions {
  /** Directory for the state file and pasta PID files. */
  stateDir: string;
  /** Receives network events: (action, network ID, attributes such as name, type, container). */
  onEvent?: (action: NetworkEventAction, networkId: string, attributes: Record<string, string>) => void;
  /** Prefix of every namespace name under /run/netns; default `berth-<hash of stateDir>-`. */
  netnsPrefix?: string;
  /**
   * Where the namespaces are bind-mounted when not /run/netns (rootless: a directory the engine owns,
   * inside the mount namespace it runs in).
   */
  netnsDir?: string;
  /** Let pasta forward DNS queries sent to the gateway to the host's resolvers (default true). */
  dnsForward?: boolean;
  pastaBinary?: string;
  /** Host address for ports published without one (dockerd's `--ip`); default 0.0.0.0. */
  defaultHostIp?: string;
}

/** Per-network endpoint options: docker's `NetworkingConfig.EndpointsConfig[name]`. */
export interface EndpointOptions {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string } | null;
}

export interface EnsureOptions {
  /** Container name without the leading slash. */
  name: string;
  hostname?: string;
  /** `HostConfig.NetworkMode`: '', `default`, `bridge`, `host`, `none`, or a network name/ID. */
  networkMode?: string;
  /** `NetworkingConfig.EndpointsConfig`: options for the primary network and extra networks to join. */
  endpoints?: Record<string, EndpointOptions>;
  ports?: PortRequest;
  /** A file the container will see as /etc/hosts; the manager writes and maintains it. */
  hostsFile?: string;
  extraHosts?: string[];
}

export interface AttachedEndpoint {
  network: string;
  networkId: string;
  endpointId: string;
  ip: string;
  prefix: number;
  gateway: string;
  mac: string;
  aliases: string[];
}

export interface Attachment {
  mode: 'bridge' | 'host' | 'none';
  /** Namespace path for the OCI spec; null means the host's network namespace. */
  netnsPath: string | null;
  ports: PortBinding[];
  endpoints: AttachedEndpoint[];
  /** Primary endpoint's address, gateway and MAC ('' for host/none). */
  ip: string;
  gateway: string;
  mac: string;
  /** Nameservers for the container's resolv.conf (empty: use the host's). */
  nameservers: string[];
}

const hex = (n: number) => randomBytes(n).toString('hex');

function nowRFC3339Nano(): string {
  const d = new Date();
  return d
    .toISOString()
    .replace(
      /\.(\d{3})Z$/,
      (_m, ms: string) => `.${ms}${String(process.hrtime()[1] % 1e6).padStart(6, '0')}Z`,
    );
}

export class NetworkManager {
  private state: NetworkState = { version: 1, networks: [], sandboxes: [] };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly prefix: string;
  private readonly ns: Netns;
  /** Hub namespaces known to hold a bridge that is up (saves `ip` calls per container start). */
  private readonly readyHubs = new Set<string>();

  private constructor(private readonly opts: NetworkManagerOptions) {
    // Engines with different data roots on one host must not touch each other's namespaces.
    const tag = createHash('sha256').update(opts.stateDir).digest('hex').slice(0, 6);
    this.prefix = opts.netnsPrefix ?? `berth-${tag}-`;
    this.ns = new Netns(opts.netnsDir);
  }

  /** Loads state, creates the predefined networks on first use and adopts surviving sandboxes. */
  static async open(opts: NetworkManagerOptions): Promise<NetworkManager> {
    const m = new NetworkManager(opts);
    await mkdir(opts.stateDir, { recursive: true });
    m.state = await loadState(opts.stateDir);
    m.addPredefined();
    await m.reconcile();
    await m.save();
    return m;
  }

  // ---- networks ------------------------------------------------------------------------------

  list(): NetworkRecord[] {
    return [...this.state.networks];
  }

  /** Finds a network by full ID, exact name, or unique ID prefix (dockerd's order). */
  resolve(ref: string): NetworkRecord {
    const nets = this.state.networks;
    const found =
      nets.find((n) => n.id === ref) ??
      nets.find((n) => n.name === ref) ??
      (() => {
        const byPrefix = ref.length > 0 ? nets.filter((n) => n.id.startsWith(ref)) : [];
        if (byPrefix.length > 1)
          throw new InvalidArgumentError(
            `network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`,
          );
        return byPrefix[0];
      })();
    if (!found) throw new NotFoundError(`network ${ref} not found`);
    return found;
  }

  inspect(ref: string): DockerNetwork {
    return networkView(this.resolve(ref), this.state.sandboxes);
  }

  view(n: NetworkRecord, withContainers = true): DockerNetwork {
    return networkView(n, this.state.sandboxes, withContainers);
  }

  /** Whether any container is attached to the network. */
  inUse(n: NetworkRecord): boolean {
    return this.state.sandboxes.some((s) =>
      n.driver === 'host'
        ? s.mode === 'host'
        : n.driver === 'null'
          ? s.mode === 'none'
          : s.endpoints.some((e) => e.networkId === n.id),
    );
  }

  create(req: {
    Name?: string;
    Driver?: string;
    Internal?: boolean;
    Attachable?: boolean;
    Labels?: Record<string, string> | null;
    Options?: Record<string, string> | null;
    IPAM?: {
      Driver?: string;
      Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] | null;
      Options?: Record<string, string> | null;
    } | null;
    EnableIPv6?: boolean;
  }): Promise<{ Id: string; Warning: string }> {
    return this.locked(async () => {
      const name = (req.Name ?? '').trim();
      if (!name) throw new InvalidArgumentError('network name is required');
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name))
        throw new InvalidArgumentError(`invalid network name "${name}"`);
      if (['bridge', 'host', 'none', 'default'].includes(name))
        throw new ForbiddenError(`operation is not permitted on predefined ${name} network `);
      if (this.state.networks.some((n) => n.name === name))
        throw new ConflictError(`network with name ${name} already exists`);
      const driver = req.Driver || 'bridge';
      if (driver !== 'bridge') throw new NotFoundError(`plugin "${driver}" not found`);
      if (req.EnableIPv6) throw new InvalidArgumentError('IPv6 networks are not supported');
      if (req.IPAM?.Driver && req.IPAM.Driver !== 'default')
        throw new NotFoundError(`plugin "${req.IPAM.Driver}" not found`);
      const taken = this.state.networks.filter((n) => n.subnet).map((n) => parseSubnet(n.subnet!));
      const cfg = (req.IPAM?.Config ?? []).find((c) => c.Subnet && !c.Subnet.includes(':'));
      let subnet;
      if (cfg?.Subnet) {
        subnet = parseSubnet(cfg.Subnet);
        if (taken.some((t) => overlaps(t, subnet!)))
          throw new ForbiddenError('Pool overlaps with other one on this address space');
      } else subnet = nextFreeSubnet(taken);
      const gateway = cfg?.Gateway ? ipToInt(cfg.Gateway) : firstHost(subnet);
      checkAddress(subnet, -1, new Set(), gateway);
      const rec: NetworkRecord = {
        id: hex(32),
        name,
        driver: 'bridge',
        created: nowRFC3339Nano(),
        predefined: false,
        internal: !!req.Internal,
        attachable: !!req.Attachable,
        labels: { ...(req.Labels ?? {}) },
        options: { ...(req.Options ?? {}) },
        subnet: formatSubnet(subnet),
        gateway: intToIp(gateway),
        ipamOptions: { ...(req.IPAM?.Options ?? {}) },
      };
      this.state.networks.push(rec);
      await this.save();
      this.emit('create', rec, {});
      return { Id: rec.id, Warning: '' };
    });
  }

  remove(ref: string): Promise<void> {
    return this.locked(async () => {
      const n = this.resolve(ref);
      if (n.predefined) throw new ForbiddenError(`${n.name} is a pre-defined network and cannot be removed`);
      if (this.inUse(n))
        throw new ConflictError(
          `error while removing network: network ${n.name} id ${n.id} has active endpoints`,
        );
      await this.dropNetwork(n);
    });
  }

  /** Removes every unused user-defined network that `keep` does not protect; returns their names. */
  prune(keep: (n: NetworkRecord) => boolean = () => false): Promise<string[]> {
    return this.locked(async () => {
      const removed: string[] = [];
      for (const n of [...this.state.networks]) {
        if (n.predefined || this.inUse(n) || keep(n)) continue;
        await this.dropNetwork(n);
        removed.push(n.name);
      }
      return removed;
    });
  }

  private async dropNetwork(n: NetworkRecord): Promise<void> {
    await this.ns.del(this.hubName(n));
    this.readyHubs.delete(this.hubName(n));
    this.state.networks = this.state.networks.filter((x) => x.id !== n.id);
    await this.save();
    this.emit('destroy', n, {});
  }

  // ---- containers -----------------------------------------------------------------------------

  /**
   * Sets up networking for a container about to start and returns where to put it. Idempotent: a
   * container whose sandbox is still intact gets it back unchanged.
   */
  ensureNamespace(containerId: string, o: EnsureOptions): Promise<Attachment> {
    return this.locked(async () => {
      const existing = this.sandbox(containerId);
      if (existing && this.intact(existing)) return this.attachmentOf(existing);
      if (existing) await this.teardown(existing);

      const mode = o.networkMode ?? '';
      if (mode.startsWith('container:'))
        throw new InvalidArgumentError('container network mode is handled by the caller');
      const primary = mode === '' || mode === 'default' ? this.resolve('bridge') : this.resolve(mode);
      const s: SandboxRecord = {
        containerId,
        name: o.name.replace(/^\//, ''),
        hostname: o.hostname ?? containerId.slice(0, 12),
        mode: primary.driver === 'host' ? 'host' : primary.driver === 'null' ? 'none' : 'bridge',
        sandboxId: hex(32),
        ports: [],
        endpoints: [],
        hostsFile: o.hostsFile,
        extraHosts: o.extraHosts ?? [],
      };
      const extra = Object.keys(o.endpoints ?? {})
        .map((k) => this.resolve(k))
        .filter((n) => n.id !== primary.id);
      if (s.mode !== 'bridge' && extra.length > 0)
        throw new InvalidArgumentError(
          `container cannot be connected to ${primary.name} and other networks at once`,
        );
      try {
        if (s.mode !== 'host') {
          s.netns = `${this.prefix}c-${containerId.slice(0, 12)}`;
          await (s.mode === 'none' ? this.ns.add(s.netns) : this.ns.addBare(s.netns));
        }
        this.state.sandboxes.push(s);
        if (s.mode === 'bridge') {
          const optsFor = (n: NetworkRecord) => o.endpoints?.[n.name] ?? o.endpoints?.[n.id] ?? {};
          const eps = [primary, ...extra].map((n) => this.allocate(s, n, optsFor(n)));
          s.ports = await resolvePorts(o.ports ?? {}, this.opts.defaultHostIp);
          // pasta needs only the namespace and the address: start it while the veths are plumbed.
          const results = await Promise.allSettled([
            (async () => {
              for (const ep of eps) await this.plumb(s, ep);
            })(),
            this.startPastaFor(s),
          ]);
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
          await this.routeUplink(s);
        }
        await this.save();
        await this.refreshHosts(
          s.endpoints.map((e) => e.networkId),
          s,
        );
      } catch (err) {
        await this.teardown(s).catch(() => undefined);
        await this.save().catch(() => undefined);
        throw err;
      }
      for (const n of this.networksOf(s)) this.emit('connect', n, { container: containerId });
      return this.attachmentOf(s);
    });
  }

  /** Tears down a container's networking: stops pasta, deletes its namespace and veths. */
  release(containerId: string): Promise<void> {
    return this.locked(async () => {
      const s = this.sandbox(containerId);
      if (!s) return;
      const nets = this.networksOf(s);
      await this.teardown(s);
      await this.save();
      await this.refreshHosts(nets.map((n) => n.id));
      for (const n of nets) this.emit('disconnect', n, { container: containerId });
    });
  }

  /** Connects a running container (one with a sandbox) to a further network. */
  connect(containerId: string, ref: string, o: EndpointOptions = {}): Promise<void> {
    return this.locked(async () => {
      const s = this.sandbox(containerId);
      const n = this.resolve(ref);
      if (!s) throw new ConflictError(`container ${containerId} is not running`);
      if (s.mode !== 'bridge' || n.driver !== 'bridge')
        throw new ForbiddenError(
          'container cannot be disconnected from host network or connected to host network',
        );
      if (s.endpoints.some((e) => e.networkId === n.id))
        throw new ForbiddenError(`endpoint with name ${s.name} already exists in network ${n.name}`);
      await this.attach(s, n, o);
      await this.save();
      await this.refreshHosts([n.id], s);
      this.emit('connect', n, { container: containerId });
    });
  }

  /** Disconnects a running container from a network (not its last one unless `force`). */
  disconnect(containerId: string, ref: string): Promise<void> {
    return this.locked(async () => {
      const s = this.sandbox(containerId);
      const n = this.resolve(ref);
      const ep = s?.endpoints.find((e) => e.networkId === n.id);
      if (!s || !ep)
        throw new NotFoundError(`container ${containerId} is not connected to network ${n.name}`);
      if (ep === s.endpoints[0] && s.pastaPid)
        throw new ForbiddenError(
          `cannot disconnect container from its primary network ${n.name} while it is running`,
        );
      await this.ns.delVeth(this.hubName(n), ep.hubIfname);
      s.endpoints = s.endpoints.filter((e) => e !== ep);
      await this.save();
      await this.refreshHosts([n.id], s);
      this.emit('disconnect', n, { container: containerId });
    });
  }

  attachment(containerId: string): Attachment | undefined {
    const s = this.sandbox(containerId);
    return s && this.attachmentOf(s);
  }

  /** `NetworkSettings` for container inspect; `exposed` lists `Config.ExposedPorts` keys. */
  networkSettings(containerId: string, exposed: Iterable<string> = []): Record<string, unknown> | undefined {
    const s = this.sandbox(containerId);
    return s && networkSettingsView(s, this.state.networks, exposed, (name) => this.ns.path(name));
  }

  /** /etc/hosts entries for a container: itself, then its peers on shared user-defined networks. */
  hostsEntries(containerId: string): HostsEntry[] {
    const s = this.sandbox(containerId);
    if (!s) return [];
    const own = s.endpoints[0]?.ip;
    const userNets = s.endpoints
      .map((ep) => ({ ep, n: this.state.networks.find((x) => x.id === ep.networkId) }))
      .filter((x): x is { ep: EndpointRecord; n: NetworkRecord } => !!x.n && !x.n.predefined);
    const seen = new Set<string>();
    const fresh = (names: string[]) => names.filter((x) => x && !seen.has(x) && seen.add(x));
    const out: HostsEntry[] = [];
    if (own) {
      const mine = userNets.length > 0 ? [s.name, ...userNets.flatMap((u) => u.ep.aliases)] : [];
      out.push({ ip: own, names: fresh([s.hostname, ...mine]) });
    }
    for (const { n } of userNets) {
      for (const peer of this.state.sandboxes) {
        const pe = peer.endpoints.find((e) => e.networkId === n.id);
        if (!pe || peer === s) continue;
        const names = fresh([peer.name, peer.containerId.slice(0, 12), ...pe.aliases]);
        if (names.length > 0) out.push({ ip: pe.ip, names });
      }
    }
    return out;
  }

  /** Releases every sandbox and deletes every hub namespace (tests, reset). Records stay. */
  async releaseAll(): Promise<void> {
    for (const s of [...this.state.sandboxes]) await this.release(s.containerId);
    await this.locked(async () => {
      for (const n of this.state.networks) if (n.driver === 'bridge') await this.ns.del(this.hubName(n));
      this.readyHubs.clear();
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  private sandbox(containerId: string): SandboxRecord | undefined {
    return this.state.sandboxes.find((s) => s.containerId === containerId);
  }

  private hubName(n: NetworkRecord): string {
    return `${this.prefix}n-${n.id.slice(0, 12)}`;
  }

  private networksOf(s: SandboxRecord): NetworkRecord[] {
    if (s.mode !== 'bridge')
      return this.state.networks.filter((n) => n.driver === (s.mode === 'host' ? 'host' : 'null'));
    return s.endpoints
      .map((e) => this.state.networks.find((n) => n.id === e.networkId))
      .filter((n): n is NetworkRecord => !!n);
  }

  /** Its namespace exists and, where it needs one, its pasta runs. */
  private intact(s: SandboxRecord): boolean {
    if (s.netns && !this.ns.exists(s.netns)) return false;
    return !s.pastaPid || isPasta(s.pastaPid);
  }

  private attachmentOf(s: SandboxRecord): Attachment {
    const endpoints = s.endpoints.map((e) => ({
      network: this.state.networks.find((n) => n.id === e.networkId)?.name ?? e.networkId,
      networkId: e.networkId,
      endpointId: e.endpointId,
      ip: e.ip,
      prefix: e.prefix,
      gateway: e.gateway,
      mac: e.mac,
      aliases: [...e.aliases],
    }));
    const p = endpoints[0];
    return {
      mode: s.mode,
      netnsPath: s.netns ? this.ns.path(s.netns) : null,
      ports: [...s.ports],
      endpoints,
      ip: p?.ip ?? '',
      gateway: p?.gateway ?? '',
      mac: p?.mac ?? '',
      nameservers: s.pastaPid && p ? [p.gateway] : [],
    };
  }

  /** Allocates an address on `n` and plugs a veth from the container's namespace into its hub. */
  private async attach(s: SandboxRecord, n: NetworkRecord, o: EndpointOptions): Promise<void> {
    await this.plumb(s, this.allocate(s, n, o));
  }

  /** Reserves an endpoint (address, MAC, interface names) on `n` for the sandbox. */
  private allocate(s: SandboxRecord, n: NetworkRecord, o: EndpointOptions): EndpointRecord {
    if (n.driver !== 'bridge' || !n.subnet || !n.gateway)
      throw new InvalidArgumentError(`cannot attach to network ${n.name}`);
    const subnet = parseSubnet(n.subnet);
    const gw = ipToInt(n.gateway);
    const used = new Set<number>();
    for (const x of this.state.sandboxes)
      for (const e of x.endpoints) if (e.networkId === n.id) used.add(ipToInt(e.ip));
    let addr: number;
    const want = o.IPAMConfig?.IPv4Address;
    if (want) {
      if (n.predefined)
        throw new InvalidArgumentError(
          'user specified IP address is supported on user defined networks only',
        );
      addr = ipToInt(want);
      checkAddress(subnet, gw, used, addr);
    } else addr = allocateAddress(subnet, gw, used);
    const ep: EndpointRecord = {
      networkId: n.id,
      endpointId: hex(32),
      ip: intToIp(addr),
      prefix: subnet.prefix,
      gateway: n.gateway,
      mac: macFor(addr),
      aliases: n.predefined ? [] : [...(o.Aliases ?? [])],
      ifname: `eth${this.nextIfIndex(s)}`,
      hubIfname: `v${s.containerId.slice(0, 12)}`,
    };
    s.endpoints.push(ep);
    return ep;
  }

  /** Creates the endpoint's veth pair between the network's hub bridge and the sandbox. */
  private async plumb(s: SandboxRecord, ep: EndpointRecord): Promise<void> {
    const n = this.state.networks.find((x) => x.id === ep.networkId)!;
    const hub = this.hubName(n);
    if (!this.readyHubs.has(hub) || !this.ns.exists(hub)) {
      await this.ns.ensureHub(hub);
      this.readyHubs.add(hub);
    }
    const veth = {
      hub,
      hubIfname: ep.hubIfname,
      netns: s.netns!,
      ifname: ep.ifname,
      mac: ep.mac,
      cidr: `${ep.ip}/${ep.prefix}`,
    };
    try {
      await this.ns.addVeth(veth);
    } catch (err) {
      // A stale veth left by a crash blocks the name: remove it and try once more.
      if (!/exists/i.test(String(err))) throw err;
      await this.ns.delVeth(hub, ep.hubIfname);
      await this.ns.batch(s.netns!, [['link', 'del', ep.ifname]]).catch(() => undefined);
      await this.ns.addVeth(veth);
    }
  }

  private nextIfIndex(s: SandboxRecord): number {
    const used = new Set(s.endpoints.map((e) => Number(e.ifname.slice(3))));
    let i = 0;
    while (used.has(i)) i++;
    return i;
  }

  /** Starts pasta for the primary endpoint (unless its network is internal). */
  private async startPastaFor(s: SandboxRecord): Promise<void> {
    const ep = s.endpoints[0];
    const n = ep && this.state.networks.find((x) => x.id === ep.networkId);
    if (!ep || !n || n.internal) return;
    const pidFile = join(this.opts.stateDir, 'pasta', `${s.containerId}.pid`);
    await mkdir(join(this.opts.stateDir, 'pasta'), { recursive: true });
    await rm(pidFile, { force: true });
    s.pastaPid = await startPasta({
      binary: this.opts.pastaBinary,
      netnsPath: this.ns.path(s.netns!),
      address: ep.ip,
      prefix: ep.prefix,
      gateway: ep.gateway,
      ports: s.ports,
      dnsForward: this.opts.dnsForward ?? true,
      pidFile,
      runAsRoot: process.getuid?.() === 0,
    });
  }

  /** Loopback up and, with pasta, the gateway (/32) and the default route over its tap. */
  private async routeUplink(s: SandboxRecord): Promise<void> {
    const ep = s.endpoints[0];
    const cmds = [['link', 'set', 'lo', 'up']];
    if (s.pastaPid && ep)
      cmds.push(
        ['link', 'set', PASTA_IFNAME, 'up'],
        ['route', 'replace', `${ep.gateway}/32`, 'dev', PASTA_IFNAME],
        ['route', 'replace', 'default', 'via', ep.gateway, 'dev', PASTA_IFNAME],
      );
    await this.ns.batch(s.netns!, cmds);
  }

  private async teardown(s: SandboxRecord): Promise<void> {
    if (s.pastaPid) await stopPasta(s.pastaPid);
    for (const ep of s.endpoints) {
      const n = this.state.networks.find((x) => x.id === ep.networkId);
      if (n) await this.ns.delVeth(this.hubName(n), ep.hubIfname);
    }
    if (s.netns) await this.ns.del(s.netns);
    await rm(join(this.opts.stateDir, 'pasta', `${s.containerId}.pid`), { force: true });
    this.state.sandboxes = this.state.sandboxes.filter((x) => x !== s);
  }

  /** Rewrites the hosts files of every container on the given networks (and of `also`). */
  private async refreshHosts(networkIds: readonly string[], also?: SandboxRecord): Promise<void> {
    const targets = new Set<SandboxRecord>(also ? [also] : []);
    for (const s of this.state.sandboxes)
      if (s.endpoints.some((e) => networkIds.includes(e.networkId))) targets.add(s);
    for (const s of targets) {
      // `host` containers see the host's own /etc/hosts: the caller copies it.
      if (!s.hostsFile || s.mode === 'host' || !this.state.sandboxes.includes(s)) continue;
      await writeHostsInPlace(s.hostsFile, renderHosts(this.hostsEntries(s.containerId), s.extraHosts));
    }
  }

  /** After a restart: forget sandboxes whose namespace vanished; restart pasta where it died. */
  private async reconcile(): Promise<void> {
    await this.sweepOrphans();
    for (const s of [...this.state.sandboxes]) {
      if (s.netns && !this.ns.exists(s.netns)) {
        await this.teardown(s);
        continue;
      }
      if (s.pastaPid && !isPasta(s.pastaPid)) {
        try {
          await this.startPastaFor(s);
          await this.routeUplink(s);
        } catch {
          s.pastaPid = undefined;
        }
      }
    }
  }

  /** Deletes our namespaces that no record refers to (left by a crash mid-setup). */
  private async sweepOrphans(): Promise<void> {
    let names: string[];
    try {
      names = this.ns.list().filter((x) => x.startsWith(this.prefix));
    } catch {
      return;
    }
    const known = new Set<string>();
    for (const s of this.state.sandboxes) if (s.netns) known.add(s.netns);
    for (const n of this.state.networks) known.add(this.hubName(n));
    for (const name of names) if (!known.has(name)) await this.ns.del(name).catch(() => undefined);
  }

  private addPredefined(): void {
    const ensure = (name: string, driver: NetworkRecord['driver'], extra: Partial<NetworkRecord> = {}) => {
      if (this.state.networks.some((n) => n.predefined && n.name === name)) return;
      this.state.networks.push({
        id: hex(32),
        name,
        driver,
        created: nowRFC3339Nano(),
        predefined: true,
        internal: false,
        attachable: false,
        labels: {},
        options: {},
        ipamOptions: {},
        ...extra,
      });
    };
    const bridge = parseSubnet(DEFAULT_BRIDGE_SUBNET);
    ensure('bridge', 'bridge', {
      subnet: formatSubnet(bridge),
      gateway: intToIp(firstHost(bridge)),
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        'com.docker.network.driver.mtu': '1500',
      },
    });
    ensure('host', 'host');
    ensure('none', 'null');
  }

  private emit(action: NetworkEventAction, n: NetworkRecord, extra: Record<string, string>): void {
    this.opts.onEvent?.(action, n.id, { name: n.name, type: n.driver, ...extra });
  }

  private save(): Promise<void> {
    return saveState(this.opts.stateDir, this.state);
  }

  /** Serializes state changes (address and port allocation must not interleave). */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
