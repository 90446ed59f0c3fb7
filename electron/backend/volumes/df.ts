// GET /system/df as the Docker API sends it (Berth's engine, dockerd and podman fill the same fields),
// and the volume → containers map the volume pages and the reclaim plan share.
import type Docker from 'dockerode';
import { VOLUME_HELPER_LABEL as HELPER_LABEL } from '../../contract/volumes.js';

export interface DfImage {
  Id: string;
  RepoTags?: string[] | null;
  Size?: number;
  SharedSize?: number;
  Containers?: number;
  Created?: number;
}

export interface DfMount {
  Type?: string;
  Name?: string;
  Destination?: string;
  RW?: boolean;
}

export interface DfContainer {
  Id: string;
  Names?: string[] | null;
  Image?: string;
  ImageID?: string;
  State?: string;
  Labels?: Record<string, string> | null;
  SizeRw?: number;
  Mounts?: DfMount[] | null;
}

export interface DfVolume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Scope?: string;
  UsageData?: { Size?: number; RefCount?: number } | null;
}

export interface DfBuildCache {
  ID: string;
  Type?: string;
  Description?: string;
  InUse?: boolean;
  Shared?: boolean;
  Size?: number;
  LastUsedAt?: string | null;
}

export interface Df {
  LayersSize?: number;
  Images?: DfImage[] | null;
  Containers?: DfContainer[] | null;
  Volumes?: DfVolume[] | null;
  BuildCache?: DfBuildCache[] | null;
}

export type DfType = 'image' | 'container' | 'volume' | 'build-cache';

/**
 * GET /system/df. `types` narrows what the engine computes (API ≥ 1.42; older engines ignore it and
 * send everything), which matters because container and volume sizes mean walking directories.
 */
export function systemDf(docker: Docker, types?: DfType[]): Promise<Df> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/system/df?',
        method: 'GET',
        options: types ? { type: types } : {},
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve((data ?? {}) as Df)),
    );
  });
}

/** A size the engine reports, or 0 when it did not compute one (-1) or left it out. */
export function bytes(n: number | null | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/**
 * Created without a name: labelled so by dockerd ≥ 23 and Berth; older engines only give it a random
 * 64-hex name.
 */
export function isAnonymousVolume(v: { Name: string; Labels?: Record<string, string> | null }): boolean {
  return ANONYMOUS_LABEL in (v.Labels ?? {}) || /^[0-9a-f]{64}$/.test(v.Name);
}

export function containerName(c: { Id: string; Names?: string[] | null }): string {
  return (c.Names?.[0] ?? '').replace(/^\//, '') || c.Id.slice(0, 12);
}

export function isActiveState(state: string | undefined): boolean {
  return /running|paused|restarting/.test(state ?? '');
}

export interface VolumeMountUse {
  container: DfContainer;
  destination: string;
  readOnly: boolean;
}

/** Which containers mount each named volume (helpers included; callers decide). */
export function volumeUses(containers: DfContainer[]): Map<string, VolumeMountUse[]> {
  const out = new Map<string, VolumeMountUse[]>();
  for (const c of containers) {
    for (const m of c.Mounts ?? []) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const list = out.get(m.Name) ?? [];
      list.push({ container: c, destination: m.Destination ?? '', readOnly: m.RW === false });
      out.set(m.Name, list);
    }
  }
  return out;
}

export function isHelper(c: DfContainer): boolean {
  return Boolean(c.Labels && HELPER_LABEL in c.Labels);
}
