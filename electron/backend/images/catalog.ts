// The image list as the UI wants it: which images containers use, which are dangling, and what a prune
// would remove and return. The Engine API's prune has no dry run, so the preview applies the engine's
// own rules to the lists: "dangling" removes untagged images no container uses, "all" every image no
// container uses; the space returned is what their layers take minus layers a kept image still needs.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { ImageSummary, PruneMode, PrunePreview } from '../../contract/images.js';

interface RawImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
  SharedSize?: number;
  Created?: number;
  Labels?: Record<string, string> | null;
}

/** docker before API 1.43 (and podman) fill untagged images with these placeholders. */
const realTags = (tags: string[] | null | undefined) => (tags ?? []).filter((t) => t !== '<none>:<none>');
const realDigests = (d: string[] | null | undefined) => (d ?? []).filter((t) => t !== '<none>@<none>');

export async function listImages(docker: Docker): Promise<ImageSummary[]> {
  const [images, containers] = await Promise.all([
    docker.listImages({ 'shared-size': true } as Docker.ListImagesOptions) as Promise<RawImage[]>,
    docker.listContainers({ all: true }),
  ]);
  const users = new Map<string, { all: number; running: number }>();
  for (const c of containers) {
    const u = users.get(c.ImageID) ?? { all: 0, running: 0 };
    u.all++;
    if (c.State === 'running') u.running++;
    users.set(c.ImageID, u);
  }
  return images.map((img) => {
    const u = users.get(img.Id) ?? { all: 0, running: 0 };
    const repoTags = realTags(img.RepoTags);
    return {
      id: img.Id,
      repoTags,
      repoDigests: realDigests(img.RepoDigests),
      size: img.Size ?? 0,
      sharedSize: typeof img.SharedSize === 'number' ? img.SharedSize : -1,
      created: img.Created ?? 0,
      labels: img.Labels ?? {},
      containers: u.all,
      runningContainers: u.running,
      inUse: u.all > 0,
      dangling: repoTags.length === 0,
    };
  });
}

/** The images `POST /images/prune` removes in this mode. */
export function pruneCandidates(images: ImageSummary[], mode: PruneMode): ImageSummary[] {
  return images.filter((i) => !i.inUse && (mode === 'all' || i.dangling));
}

export interface SizedLayer {
  chainId: string;
  size: number;
}

/** The diff id of an empty tar (1024 zero bytes): a layer that adds nothing. */
const EMPTY_LAYER = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` : d);
  }
  return out;
}

/**
 * Matches layer sizes from the history (oldest first) to the layers. History mixes layer steps with
 * metadata-only steps (size 0); where that leaves it ambiguous, undefined.
 */
export function alignSizes(diffIds: string[], historySizes: number[]): number[] | undefined {
  if (historySizes.length === diffIds.length) return historySizes;
  const sized = historySizes.filter((s) => s > 0);
  if (sized.length === diffIds.length) return sized;
  const nonEmpty = diffIds.filter((d) => d !== EMPTY_LAYER).length;
  if (nonEmpty !== sized.length) return undefined;
  let k = 0;
  return diffIds.map((d) => (d === EMPTY_LAYER ? 0 : sized[k++]!));
}

async function layersOf(docker: Docker, id: string): Promise<SizedLayer[] | undefined> {
  try {
    const img = docker.getImage(id);
    const [inspect, history] = await Promise.all([
      img.inspect(),
      img.history() as Promise<{ Size: number }[]>,
    ]);
    const diffIds = inspect.RootFS?.Layers ?? [];
    const sizes = alignSizes(
      diffIds,
      [...history].reverse().map((h) => h.Size ?? 0),
    );
    if (!sizes) return undefined;
    const chains = chainIds(diffIds);
    return chains.map((chainId, i) => ({ chainId, size: sizes[i]! }));
  } catch {
    return undefined;
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Bytes freed by removing `going` while `all` minus `going` stay. */
export async function reclaimableBytes(
  docker: Docker,
  all: ImageSummary[],
  going: ImageSummary[],
): Promise<number> {
  if (going.length === 0) return 0;
  // Nothing shared: each image's size is its own (the common case, and no extra requests).
  if (going.every((i) => i.sharedSize === 0)) return going.reduce((n, i) => n + i.size, 0);
  const goingIds = new Set(going.map((i) => i.id));
  const layers = new Map<string, SizedLayer[] | undefined>();
  const ids = all.map((i) => i.id);
  const found = await mapLimited(ids, 6, (id) => layersOf(docker, id));
  ids.forEach((id, i) => layers.set(id, found[i]));
  const kept = new Set<string>();
  for (const img of all) {
    if (goingIds.has(img.id)) continue;
    for (const l of layers.get(img.id) ?? []) kept.add(l.chainId);
  }
  const freed = new Map<string, number>();
  let approximate = 0;
  for (const img of going) {
    const ls = layers.get(img.id);
    if (!ls) {
      approximate += img.sharedSize >= 0 ? img.size - img.sharedSize : img.size;
      continue;
    }
    for (const l of ls) if (!kept.has(l.chainId)) freed.set(l.chainId, l.size);
  }
  let total = approximate;
  for (const size of freed.values()) total += size;
  return total;
}

export async function prunePreview(docker: Docker, mode: PruneMode): Promise<PrunePreview> {
  const all = await listImages(docker);
  const going = pruneCandidates(all, mode);
  return {
    mode,
    images: going.map((i) => ({ id: i.id, repoTags: i.repoTags, size: i.size, created: i.created })),
    reclaimable: await reclaimableBytes(docker, all, going),
  };
}
