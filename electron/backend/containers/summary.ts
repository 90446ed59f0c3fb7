// GET /containers/json entries, reduced to what the list shows.
import type Docker from 'dockerode';
import type { ContainerState, ContainerSummary, PortMapping } from '../../contract/containers.js';

export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_SERVICE = 'com.docker.compose.service';

const STATES: ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

export function toSummary(c: Docker.ContainerInfo): ContainerSummary {
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  // A linked container also carries "other/alias" names; the primary name is the one without a slash.
  const name = names.find((n) => !n.includes('/')) ?? names[0] ?? c.Id.slice(0, 12);
  const labels = c.Labels ?? {};
  const state = (STATES as string[]).includes(c.State) ? (c.State as ContainerState) : 'exited';
  return {
    id: c.Id,
    name,
    names,
    image: c.Image,
    imageId: c.ImageID,
    command: c.Command ?? '',
    created: c.Created,
    state,
    status: c.Status ?? '',
    ports: dedupePorts(c.Ports ?? []),
    project: labels[COMPOSE_PROJECT] || undefined,
    service: labels[COMPOSE_SERVICE] || undefined,
    labels,
  };
}

/**
 * dockerd lists a port published on both 0.0.0.0 and :: twice; the list needs each once. Unpublished
 * ports appear once without PublicPort.
 */
function dedupePorts(ports: Docker.Port[]): PortMapping[] {
  const out: PortMapping[] = [];
  const seen = new Set<string>();
  for (const p of ports) {
    const type = (p.Type === 'udp' || p.Type === 'sctp' ? p.Type : 'tcp') as PortMapping['type'];
    const key = `${p.PrivatePort}/${type}/${p.PublicPort ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      privatePort: p.PrivatePort,
      ...(p.PublicPort ? { publicPort: p.PublicPort } : {}),
      ...(p.IP ? { ip: p.IP } : {}),
      type,
    });
  }
  return out.sort((a, b) => a.privatePort - b.privatePort || (a.publicPort ?? 0) - (b.publicPort ?? 0));
}
