// Disk usage from GET /system/df with `docker system df`'s totals and reclaimable figures (the same
// arithmetic as the docker CLI, so the numbers match it), and the reclaim plan: exactly which stopped
// containers, unused images, unused volumes and build cache records a reclaim removes.
import type { DiskKind, DiskSummary, DiskTotals, ReclaimItem, ReclaimPlan } from '../../contract/disk.js';
import {
  bytes,
  containerName,
  isActiveState,
  isAnonymousVolume,
  isHelper,
  volumeUses,
  type Df,
} from './df.js';

const NONE = '<none>:<none>';

function tagsOf(tags: string[] | null | undefined): string[] {
  return (tags ?? []).filter((t) => t && t !== NONE);
}

export function summarize(df: Df): DiskSummary {
  const images = (df.Images ?? []).map((i) => {
    const size = bytes(i.Size);
    const sharedSize = Math.min(size, bytes(i.SharedSize));
    const tags = tagsOf(i.RepoTags);
    return {
      id: i.Id,
      name: tags[0] ?? NONE,
      tags,
      size,
      sharedSize,
      uniqueSize: size - sharedSize,
      containers: Math.max(0, i.Containers ?? 0),
      dangling: tags.length === 0,
      created: i.Created ?? 0,
    };
  });
  const uniqueSum = images.reduce((n, i) => n + i.uniqueSize, 0);
  // Engines that leave LayersSize out: every unique part plus the largest shared part (a lower bound).
  const layersSize =
    typeof df.LayersSize === 'number' && df.LayersSize >= 0
      ? df.LayersSize
      : uniqueSum + images.reduce((m, i) => Math.max(m, i.sharedSize), 0);
  const containers = (df.Containers ?? []).map((c) => ({
    id: c.Id,
    name: containerName(c),
    image: c.Image ?? '',
    state: c.State ?? '',
    active: isActiveState(c.State),
    sizeRw: bytes(c.SizeRw),
  }));
  const volumes = (df.Volumes ?? []).map((v) => ({
    name: v.Name,
    size: bytes(v.UsageData?.Size),
    refCount: Math.max(0, v.UsageData?.RefCount ?? 0),
    anonymous: isAnonymousVolume(v),
  }));
  const buildCache = (df.BuildCache ?? []).map((b) => ({
    id: b.ID,
    type: b.Type ?? '',
    description: b.Description ?? '',
    size: bytes(b.Size),
    inUse: Boolean(b.InUse),
    shared: Boolean(b.Shared),
    lastUsed: b.LastUsedAt ?? null,
  }));

  // docker CLI: images in use hold their non-shared part; everything else of LayersSize is reclaimable.
  const usedByContainers = images.filter((i) => i.containers > 0);
  const imagesUsed = usedByContainers.reduce((n, i) => n + i.size - i.sharedSize, 0);
  const totals: Record<DiskKind, DiskTotals> = {
    images: {
      count: images.length,
      active: usedByContainers.length,
      size: layersSize,
      reclaimable: Math.max(0, layersSize - imagesUsed),
    },
    containers: {
      count: containers.length,
      active: containers.filter((c) => c.active).length,
      size: containers.reduce((n, c) => n + c.sizeRw, 0),
      reclaimable: containers.filter((c) => !c.active).reduce((n, c) => n + c.sizeRw, 0),
    },
    volumes: {
      count: volumes.length,
      active: volumes.filter((v) => v.refCount > 0).length,
      size: volumes.reduce((n, v) => n + v.size, 0),
      reclaimable: volumes.filter((v) => v.refCount === 0).reduce((n, v) => n + v.size, 0),
    },
    buildCache: {
      count: buildCache.length,
      active: buildCache.filter((b) => b.inUse).length,
      size: buildCache.filter((b) => !b.shared).reduce((n, b) => n + b.size, 0),
      reclaimable: buildCache.filter((b) => !b.shared && !b.inUse).reduce((n, b) => n + b.size, 0),
    },
  };
  const kinds = Object.values(totals);
  return {
    layersSize,
    sharedLayersSize: Math.max(0, layersSize - uniqueSum),
    images,
    containers,
    volumes,
    buildCache,
    totals,
    total: {
      size: kinds.reduce((n, k) => n + k.size, 0),
      reclaimable: kinds.reduce((n, k) => n + k.reclaimable, 0),
    },
  };
}

/** What a reclaim with these choices removes. Containers go first, which can free images and volumes. */
export interface PlanChoices {
  containers: boolean;
  danglingImages: boolean;
  unusedImages: boolean;
  volumes: boolean;
  buildCache: boolean;
}

export function reclaimPlan(df: Df, choose: PlanChoices): ReclaimPlan {
  const all = df.Containers ?? [];
  const removed = new Set(
    choose.containers ? all.filter((c) => !isActiveState(c.State) && !isHelper(c)).map((c) => c.Id) : [],
  );
  const remaining = all.filter((c) => !removed.has(c.Id));
  const containers: ReclaimItem[] = all
    .filter((c) => removed.has(c.Id))
    .map((c) => ({ id: c.Id, name: containerName(c), size: bytes(c.SizeRw) }));

  const imagesInUse = new Set(remaining.map((c) => c.ImageID).filter(Boolean));
  const images: ReclaimItem[] = [];
  for (const i of df.Images ?? []) {
    if (imagesInUse.has(i.Id)) continue;
    // A count the container list does not explain (containers the df left out): keep the image.
    if ((i.Containers ?? 0) > 0 && !all.some((c) => c.ImageID === i.Id)) continue;
    const tags = tagsOf(i.RepoTags);
    const dangling = tags.length === 0;
    if (dangling ? !choose.danglingImages : !choose.unusedImages) continue;
    images.push({
      id: i.Id,
      name: tags[0] ?? NONE,
      size: Math.max(0, bytes(i.Size) - bytes(i.SharedSize)),
    });
  }

  const volumes: ReclaimItem[] = [];
  if (choose.volumes) {
    const uses = volumeUses(remaining);
    for (const v of df.Volumes ?? []) {
      if (uses.get(v.Name)?.length) continue;
      volumes.push({ id: v.Name, name: v.Name, size: bytes(v.UsageData?.Size) });
    }
  }

  const buildCache: ReclaimItem[] = choose.buildCache
    ? (df.BuildCache ?? [])
        .filter((b) => !b.InUse && !b.Shared)
        .map((b) => ({ id: b.ID, name: b.Description || b.Type || b.ID.slice(0, 12), size: bytes(b.Size) }))
    : [];

  const space = [...containers, ...images, ...volumes, ...buildCache].reduce((n, i) => n + i.size, 0);
  return { containers, images, volumes, buildCache, space };
}

/** Total bytes in use by everything `df` lists (what a reclaim's effect is measured with). */
export function totalUsage(df: Df): number {
  return summarize(df).total.size;
}
