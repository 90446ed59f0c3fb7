// Volumes as the UI shows them: the engine's volume record, its size (GET /system/df) and the
// containers that mount it (the container list's Mounts).
import type Docker from 'dockerode';
import type { VolumeInfo, VolumeUser } from '../../contract/volumes.js';
import {
  containerName,
  isAnonymousVolume,
  isHelper,
  systemDf,
  volumeUses,
  type DfContainer,
  type DfVolume,
  type VolumeMountUse,
} from './df.js';

function toUser(u: VolumeMountUse): VolumeUser {
  return {
    id: u.container.Id,
    name: containerName(u.container),
    state: u.container.State ?? '',
    running: u.container.State === 'running',
    destination: u.destination,
    readOnly: u.readOnly,
  };
}

export function volumeInfo(v: DfVolume, uses: VolumeMountUse[] | undefined, size: number | null): VolumeInfo {
  const labels = v.Labels ?? {};
  return {
    name: v.Name,
    driver: v.Driver ?? 'local',
    mountpoint: v.Mountpoint ?? '',
    scope: v.Scope ?? 'local',
    createdAt: v.CreatedAt || null,
    labels,
    options: v.Options ?? {},
    anonymous: isAnonymousVolume(v),
    size,
    // Our own helper containers come and go within a request; they are not the volume's users.
    users: (uses ?? []).filter((u) => !isHelper(u.container)).map(toUser),
  };
}

function sizeOf(v: DfVolume): number | null {
  const s = v.UsageData?.Size;
  return typeof s === 'number' && s >= 0 ? s : null;
}

async function containers(docker: Docker): Promise<DfContainer[]> {
  return (await docker.listContainers({ all: true })) as unknown as DfContainer[];
}

/** Every volume with size and users, sorted by name. */
export async function listVolumes(docker: Docker): Promise<VolumeInfo[]> {
  const [df, list] = await Promise.all([
    systemDf(docker, ['volume']).catch(() => undefined),
    containers(docker),
  ]);
  let volumes: DfVolume[];
  if (df?.Volumes) {
    volumes = df.Volumes;
  } else {
    // An engine without /system/df volume usage: the plain list, sizes unknown.
    const res = (await docker.listVolumes()) as unknown as { Volumes?: DfVolume[] | null };
    volumes = (res.Volumes ?? []).map((v) => ({ ...v, UsageData: null }));
  }
  const uses = volumeUses(list);
  return volumes
    .map((v) => volumeInfo(v, uses.get(v.Name), sizeOf(v)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One volume (404 when it does not exist). */
export async function inspectVolume(docker: Docker, name: string): Promise<VolumeInfo> {
  const [raw, df, list] = await Promise.all([
    docker.getVolume(name).inspect() as unknown as Promise<DfVolume>,
    systemDf(docker, ['volume']).catch(() => undefined),
    containers(docker),
  ]);
  const fromDf = df?.Volumes?.find((v) => v.Name === name);
  return volumeInfo(raw, volumeUses(list).get(name), fromDf ? sizeOf(fromDf) : null);
}
