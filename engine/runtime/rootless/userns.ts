/**
 * Facts about the user namespace this process runs in. A rootless engine runs as uid 0 inside a user
 * namespace that maps it to the real user and the user's subordinate IDs (see holder.ts): it can chown
 * within that range, mount overlayfs (with `userxattr`) and create network namespaces, but it cannot
 * use `trusted.*` xattrs, create device nodes, or write the host's cgroups.
 */
import { readFileSync } from 'node:fs';
import type { OciIdMapping } from '../spec/types.js';

/** Parses /proc/<pid>/uid_map or gid_map text. */
export function parseIdMap(text: string): OciIdMapping[] {
  const out: OciIdMapping[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length === 3 && f.every((n) => Number.isInteger(n) && n >= 0))
      out.push({ containerID: f[0]!, hostID: f[1]!, size: f[2]! });
  }
  return out;
}

/** True when `map` is the initial namespace's identity mapping (all 2^32-1 IDs onto themselves). */
export function isIdentityMap(map: readonly OciIdMapping[]): boolean {
  return map.length === 1 && map[0]!.containerID === 0 && map[0]!.hostID === 0 && map[0]!.size === 4294967295;
}

function readMap(file: string): OciIdMapping[] | undefined {
  try {
    return parseIdMap(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

let cached: boolean | undefined;

/** True when this process is in a user namespace other than the initial one. */
export function inUserNamespace(): boolean {
  if (process.platform !== 'linux') return false;
  if (cached === undefined) {
    const map = readMap('/proc/self/uid_map');
    cached = map !== undefined && !isIdentityMap(map);
  }
  return cached;
}

/** What a rootless engine knows about its namespace. */
export interface RootlessInfo {
  /** This namespace's mappings (namespace IDs → host IDs). */
  uidMap: OciIdMapping[];
  gidMap: OciIdMapping[];
  /** The host user the engine acts for (the host ID that namespace uid 0 maps to). */
  hostUid: number;
  hostGid: number;
  /**
   * cgroups the engine may write: never on cgroup v1; on v2 only a delegated subtree (systemd user
   * slices). Berth does not manage delegated cgroups yet, so this is always false for now.
   */
  cgroups: boolean;
}

/** The rootless facts when running as uid 0 of a non-initial user namespace, else undefined. */
export function detectRootless(): RootlessInfo | undefined {
  if (!inUserNamespace() || process.getuid?.() !== 0) return undefined;
  const uidMap = readMap('/proc/self/uid_map') ?? [];
  const gidMap = readMap('/proc/self/gid_map') ?? [];
  const host = (m: OciIdMapping[]) => m.find((x) => x.containerID === 0)?.hostID ?? 0;
  return { uidMap, gidMap, hostUid: host(uidMap), hostGid: host(gidMap), cgroups: false };
}

/** Whether namespace ID `id` is mapped (a chown or setuid to it can succeed). */
export function idMapped(map: readonly OciIdMapping[], id: number): boolean {
  return map.some((m) => id >= m.containerID && id < m.containerID + m.size);
}

/** The highest mapped namespace ID (0 when nothing beyond root is mapped). */
export function maxMappedId(map: readonly OciIdMapping[]): number {
  return map.reduce((max, m) => Math.max(max, m.containerID + m.size - 1), 0);
}
