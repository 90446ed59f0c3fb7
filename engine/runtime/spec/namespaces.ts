/** Namespace choices (private, the host's, or one to join) → the OCI namespace list. */
import type { OciIdMapping, OciNamespace, OciNamespaceType } from './types.js';

/** `private`: a new namespace; `host`: share the host's; `{ path }`: join an existing one. */
export type NamespaceMode = 'private' | 'host' | { path: string };

/** The network choice: a new empty namespace (`none`), the host's, or a prepared one (`{ path }`). */
export type NetworkMode = 'none' | 'host' | { path: string };

export interface NamespaceOptions {
  network: NetworkMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: NamespaceMode;
  /** Private cgroup namespace (dockerd's default on cgroup v2; host on v1). */
  cgroupns?: boolean;
  /** Rootless: a user namespace with these mappings. */
  userns?: { uidMappings: OciIdMapping[]; gidMappings: OciIdMapping[] } | { path: string };
}

function add(out: OciNamespace[], type: OciNamespaceType, mode: NamespaceMode | undefined): void {
  const m = mode ?? 'private';
  if (m === 'host') return;
  out.push(m === 'private' ? { type } : { type, path: m.path });
}

export function namespaces(opts: NamespaceOptions): OciNamespace[] {
  const out: OciNamespace[] = [];
  add(out, 'pid', opts.pid);
  add(out, 'ipc', opts.ipc);
  add(out, 'uts', opts.uts);
  out.push({ type: 'mount' });
  add(out, 'network', opts.network === 'none' ? 'private' : opts.network);
  if (opts.cgroupns) out.push({ type: 'cgroup' });
  if (opts.userns) add(out, 'user', 'path' in opts.userns ? { path: opts.userns.path } : 'private');
  return out;
}
