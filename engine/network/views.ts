/** Docker Engine API JSON for networks (`Network`) and containers' `NetworkSettings`/`EndpointSettings`. */
import { dockerPortMap } from './ports.js';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from './state.js';

export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config: { Subnet: string; Gateway: string }[];
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerNetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface DockerNetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export function networkView(
  n: NetworkRecord,
  sandboxes: readonly SandboxRecord[],
  withContainers = true,
): DockerNetwork {
  const containers: Record<string, DockerNetworkContainer> = {};
  if (withContainers) {
    for (const s of sandboxes) {
      if (n.driver === 'host' || n.driver === 'null') {
        if (s.mode === (n.driver === 'host' ? 'host' : 'none'))
          containers[s.containerId] = {
            Name: s.name,
            EndpointID: s.sandboxId,
            MacAddress: '',
            IPv4Address: '',
            IPv6Address: '',
          };
        continue;
      }
      const ep = s.endpoints.find((e) => e.networkId === n.id);
      if (ep)
        containers[s.containerId] = {
          Name: s.name,
          EndpointID: ep.endpointId,
          MacAddress: ep.mac,
          IPv4Address: `${ep.ip}/${ep.prefix}`,
          IPv6Address: '',
        };
    }
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge',
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: Object.keys(n.ipamOptions).length > 0 ? n.ipamOptions : null,
      Config: n.subnet && n.gateway ? [{ Subnet: n.subnet, Gateway: n.gateway }] : [],
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.options,
    Labels: n.labels,
  };
}

export interface DockerEndpointSettings {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

export function endpointView(
  ep: EndpointRecord | undefined,
  networkId: string,
  endpointId: string,
  dnsNames: string[] | null,
): DockerEndpointSettings {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: ep && ep.aliases.length > 0 ? ep.aliases : null,
    MacAddress: ep?.mac ?? '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: networkId,
    EndpointID: ep?.endpointId ?? endpointId,
    Gateway: ep?.gateway ?? '',
    IPAddress: ep?.ip ?? '',
    IPPrefixLen: ep?.prefix ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: dnsNames,
  };
}

/**
 * `NetworkSettings` of a container inspect. The deprecated top-level address fields mirror the
 * default `bridge` endpoint, as dockerd fills them only for that network.
 */
export function networkSettingsView(
  s: SandboxRecord,
  networks: readonly NetworkRecord[],
  exposed: Iterable<string> = [],
  netnsPathOf: (name: string) => string,
): Record<string, unknown> {
  const byId = new Map(networks.map((n) => [n.id, n]));
  const nets: Record<string, DockerEndpointSettings> = {};
  if (s.mode === 'host' || s.mode === 'none') {
    const n = networks.find((x) => x.driver === (s.mode === 'host' ? 'host' : 'null'));
    if (n) nets[n.name] = endpointView(undefined, n.id, s.sandboxId, null);
  }
  for (const ep of s.endpoints) {
    const n = byId.get(ep.networkId);
    if (!n) continue;
    const dns = n.predefined ? null : [s.name, s.containerId.slice(0, 12), ...ep.aliases];
    nets[n.name] = endpointView(ep, n.id, ep.endpointId, dns);
  }
  const bridge = s.endpoints.find(
    (e) => byId.get(e.networkId)?.name === 'bridge' && byId.get(e.networkId)?.predefined,
  );
  return {
    Bridge: '',
    SandboxID: s.sandboxId,
    SandboxKey: s.netns ? netnsPathOf(s.netns) : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: s.mode === 'bridge' ? dockerPortMap(s.ports, exposed) : {},
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpointId ?? '',
    Gateway: bridge?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefix ?? 0,
    IPv6Gateway: '',
    MacAddress: bridge?.mac ?? '',
    Networks: nets,
  };
}
