import type { ContainerRecord } from './store.js';
import { statusString, stateWord } from './status.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function stateView(rec: ContainerRecord) {
  return { ...rec.state, health: rec.state.health?.Status };
}

export function containerState(rec: ContainerRecord): string {
  return stateWord(stateView(rec));
}

export function containerStatus(rec: ContainerRecord, now = Date.now()): string {
  return statusString(stateView(rec), now);
}

/** `Ports` of a container summary: one entry per binding, plus exposed-but-unpublished ports. */
export function portList(rec: ContainerRecord): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const [key, bindings] of Object.entries(rec.ports)) {
    const [port, proto = 'tcp'] = key.split('/');
    seen.add(key);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: Number(port), Type: proto });
      continue;
    }
    for (const b of bindings) {
      out.push({
        IP: b.HostIp || '0.0.0.0',
        PrivatePort: Number(port),
        PublicPort: Number(b.HostPort),
        Type: proto,
      });
    }
  }
  for (const key of Object.keys((rec.config.ExposedPorts as Record<string, unknown> | undefined) ?? {})) {
    if (seen.has(key)) continue;
    const [port, proto = 'tcp'] = key.split('/');
    out.push({ PrivatePort: Number(port), Type: proto });
  }
  return out;
}

function mountsView(rec: ContainerRecord): Array<Record<string, unknown>> {
  return rec.mounts.map((m) => {
    const v: Record<string, unknown> = { Type: m.Type };
    if (m.Name) v.Name = m.Name;
    v.Source = m.Source;
    v.Destination = m.Destination;
    if (m.Driver) v.Driver = m.Driver;
    v.Mode = m.Mode;
    v.RW = m.RW;
    v.Propagation = m.Propagation;
    return v;
  });
}

function networkName(rec: ContainerRecord): string {
  const mode = rec.network.mode;
  return mode === 'default' ? 'bridge' : mode;
}

function endpoint(rec: ContainerRecord): Record<string, unknown> {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: rec.network.macAddress ?? '',
    NetworkID: '',
    EndpointID: '',
    Gateway: rec.network.gateway ?? '',
    IPAddress: rec.network.ipAddress ?? '',
    IPPrefixLen: rec.network.ipAddress ? 24 : 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: null,
  };
}

export function containerSummary(
  rec: ContainerRecord,
  imageRepoTag: string | undefined,
  sizes?: { rw: number; rootFs: number },
) {
  const command = [rec.path, ...rec.args].map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ');
  const summary: Record<string, unknown> = {
    Id: rec.id,
    Names: [rec.name],
    Image: imageRepoTag ?? rec.image,
    ImageID: rec.imageId,
    Command: command,
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: portList(rec),
    Labels: (rec.config.Labels as Record<string, string> | undefined) ?? {},
    State: containerState(rec),
    Status: containerStatus(rec),
    HostConfig: { NetworkMode: rec.network.mode },
    NetworkSettings: { Networks: { [networkName(rec)]: endpoint(rec) } },
    Mounts: mountsView(rec),
  };
  if (sizes) {
    summary.SizeRw = sizes.rw;
    summary.SizeRootFs = sizes.rootFs;
  }
  return summary;
}

export interface InspectExtras {
  logPath: string;
  files: { hosts: string; resolv: string; hostname: string };
  graphDriver: { Name: string; Data: Record<string, string> | null };
  sizes?: { rw: number; rootFs: number };
}

export function containerInspect(rec: ContainerRecord, extras: InspectExtras): Record<string, unknown> {
  const s = rec.state;
  const out: Record<string, unknown> = {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: containerState(rec),
      Running: s.running,
      Paused: s.paused,
      Restarting: s.restarting,
      OOMKilled: s.oomKilled,
      Dead: s.dead,
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt ?? ZERO_TIME,
      FinishedAt: s.finishedAt ?? ZERO_TIME,
      ...(s.health ? { Health: s.health } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: extras.files.resolv,
    HostnamePath: extras.files.hostname,
    HostsPath: extras.files.hosts,
    LogPath: extras.logPath,
    Name: rec.name,
    RestartCount: rec.restartCount,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: rec.execIds.length ? rec.execIds : null,
    HostConfig: {
      Binds: null,
      LogConfig: { Type: 'json-file', Config: {} },
      NetworkMode: rec.network.mode,
      PortBindings: {},
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
      Privileged: false,
      ReadonlyRootfs: false,
      ...rec.hostConfig,
    },
    GraphDriver: extras.graphDriver,
    Mounts: mountsView(rec),
    Config: rec.config,
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      Ports: rec.ports,
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '',
      Gateway: rec.network.gateway ?? '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: rec.network.ipAddress ?? '',
      IPPrefixLen: rec.network.ipAddress ? 24 : 0,
      IPv6Gateway: '',
      MacAddress: rec.network.macAddress ?? '',
      Networks: { [networkName(rec)]: endpoint(rec) },
    },
  };
  if (extras.sizes) {
    out.SizeRw = extras.sizes.rw;
    out.SizeRootFs = extras.sizes.rootFs;
  }
  return out;
}
