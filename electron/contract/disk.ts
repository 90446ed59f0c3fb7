// The disk part of the bridge contract: what takes space (GET /system/df, with docker's totals and
// reclaimable figures), a preview of what a reclaim removes, and the reclaim itself, which removes
// exactly the previewed items.
import { z } from 'zod';
import { method } from './define.js';

export type DiskKind = 'images' | 'containers' | 'volumes' | 'buildCache';

export interface DiskImage {
  id: string;
  /** The first tag, or '<none>:<none>' for a dangling image. */
  name: string;
  tags: string[];
  /** All its layers. */
  size: number;
  /** Bytes of its layers that other images share. */
  sharedSize: number;
  /** size − sharedSize: what removing only this image frees. */
  uniqueSize: number;
  /** Containers using it. */
  containers: number;
  dangling: boolean;
  /** Seconds since the epoch. */
  created: number;
}

export interface DiskContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  /** running, paused or restarting: not reclaimable. */
  active: boolean;
  /** Its writable layer. */
  sizeRw: number;
}

export interface DiskVolume {
  name: string;
  size: number;
  /** Containers that mount it. */
  refCount: number;
  anonymous: boolean;
}

export interface DiskBuildCacheItem {
  id: string;
  type: string;
  description: string;
  size: number;
  inUse: boolean;
  shared: boolean;
  lastUsed: string | null;
}

/** One line of `docker system df`. */
export interface DiskTotals {
  count: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DiskSummary {
  /** Every image layer, counted once. */
  layersSize: number;
  /** layersSize − Σ uniqueSize: layers used by more than one image. */
  sharedLayersSize: number;
  images: DiskImage[];
  containers: DiskContainer[];
  volumes: DiskVolume[];
  buildCache: DiskBuildCacheItem[];
  totals: Record<DiskKind, DiskTotals>;
  total: { size: number; reclaimable: number };
}

export interface ReclaimItem {
  id: string;
  name: string;
  /** Bytes it frees (an image: its unique layers). */
  size: number;
}

export interface ReclaimPlan {
  containers: ReclaimItem[];
  images: ReclaimItem[];
  volumes: ReclaimItem[];
  buildCache: ReclaimItem[];
  /** Sum of every item's size. */
  space: number;
}

export interface ReclaimFailure {
  kind: DiskKind;
  id: string;
  message: string;
}

export interface ReclaimResult {
  removed: { containers: string[]; images: string[]; volumes: string[]; buildCache: string[] };
  failed: ReclaimFailure[];
  /** Measured: total usage before minus after. */
  spaceReclaimed: number;
}

const reclaimOptions = z
  .object({
    /** Stopped (exited, created, dead) containers. */
    containers: z.boolean().default(true),
    /** Dangling images no container uses. */
    danglingImages: z.boolean().default(true),
    /** Also tagged images no container uses (docker image prune -a). */
    unusedImages: z.boolean().default(false),
    /** Volumes no container uses (after the stopped containers are gone). */
    volumes: z.boolean().default(false),
    /** Build cache not in use. */
    buildCache: z.boolean().default(true),
  })
  .strict();

const itemId = z.string().min(1).max(256);
const itemIds = z.array(itemId).max(10_000).default([]);

export const diskMethods = {
  'disk.summary': method<DiskSummary>()(z.object({}).strict()),
  /** What `disk.reclaim` removes for these choices, item by item. */
  'disk.reclaimPreview': method<ReclaimPlan>()(reclaimOptions),
  /** Removes exactly these items (from a preview), containers first; nothing is forced. */
  'disk.reclaim': method<ReclaimResult>()(
    z.object({ containers: itemIds, images: itemIds, volumes: itemIds, buildCache: itemIds }).strict(),
  ),
};

export const diskTopics = {};
