/**
 * The network manager's persistent state: network records and one sandbox per container that has
 * networking set up (its namespace, pasta PID, published ports, endpoints). One JSON file, replaced
 * atomically on every change, so a crash leaves either the old or the new state.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { PortBinding } from './ports.js';

export type Driver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: Driver;
  /** RFC 3339 with nanoseconds, as dockerd shows. */
  created: string;
  predefined: boolean;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** IPv4 subnet and gateway (bridge driver only). */
  subnet?: string;
  gateway?: string;
  ipamOptions: Record<string, string>;
}

export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  ip: string;
  prefix: number;
  gateway: string;
  mac: string;
  aliases: string[];
  /** Interface inside the container (eth0, eth1…) and the veth end on the network's bridge. */
  ifname: string;
  hubIfname: string;
}

export type SandboxMode = 'bridge' | 'host' | 'none';

export interface SandboxRecord {
  containerId: string;
  name: string;
  hostname: string;
  mode: SandboxMode;
  sandboxId: string;
  /** Named namespace under /run/netns (absent for `host`). */
  netns?: string;
  pastaPid?: number;
  ports: PortBinding[];
  endpoints: EndpointRecord[];
  hostsFile?: string;
  extraHosts: string[];
}

export interface NetworkState {
  version: 1;
  networks: NetworkRecord[];
  sandboxes: SandboxRecord[];
}

export function stateFile(dir: string): string {
  return join(dir, 'network-state.json');
}

export async function loadState(dir: string): Promise<NetworkState> {
  try {
    const parsed = JSON.parse(await readFile(stateFile(dir), 'utf8')) as NetworkState;
    return { version: 1, networks: parsed.networks ?? [], sandboxes: parsed.sandboxes ?? [] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, networks: [], sandboxes: [] };
    throw err;
  }
}

export async function saveState(dir: string, state: NetworkState): Promise<void> {
  await writeFileAtomic(stateFile(dir), JSON.stringify(state, null, 1));
}
