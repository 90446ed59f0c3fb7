// Removing exactly what a preview listed, in the order that frees the most: containers first (their
// images and volumes may then be unused), then images, volumes and build cache. Nothing is forced: an
// item that became busy since the preview is reported, not removed.
import type Docker from 'dockerode';
import type { DiskKind, ReclaimFailure, ReclaimResult } from '../../contract/disk.js';
import { toBridgeError } from '../errors.js';
import { systemDf } from './df.js';
import { totalUsage } from './disk-usage.js';

export interface ReclaimRequest {
  containers: string[];
  images: string[];
  volumes: string[];
  buildCache: string[];
}

function dial(docker: Docker, opts: Parameters<Docker['modem']['dial']>[0]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    docker.modem.dial(opts, (err: unknown, data: unknown) => (err ? reject(err) : resolve(data))),
  );
}

/** Removes an image without force: one with several tags loses them one by one, the last removes it. */
async function removeImage(docker: Docker, id: string, tags: string[]): Promise<void> {
  if (tags.length <= 1) {
    await docker.getImage(id).remove();
    return;
  }
  for (const tag of tags) await docker.getImage(tag).remove();
}

export async function reclaim(docker: Docker, req: ReclaimRequest): Promise<ReclaimResult> {
  const before = totalUsage(await systemDf(docker));
  const removed: ReclaimResult['removed'] = { containers: [], images: [], volumes: [], buildCache: [] };
  const failed: ReclaimFailure[] = [];
  const attempt = async (kind: DiskKind, id: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      removed[kind].push(id);
    } catch (err) {
      const e = toBridgeError(err);
      if (e.status === 404) return; // already gone: nothing to free
      failed.push({ kind, id, message: e.message });
    }
  };

  for (const id of req.containers) {
    await attempt('containers', id, () => docker.getContainer(id).remove({ v: false }));
  }
  if (req.images.length) {
    const tagsById = new Map(
      (await docker.listImages()).map((i) => [
        i.Id,
        (i.RepoTags ?? []).filter((t) => t && t !== '<none>:<none>'),
      ]),
    );
    for (const id of req.images) {
      await attempt('images', id, () => removeImage(docker, id, tagsById.get(id) ?? []));
    }
  }
  for (const name of req.volumes) {
    await attempt('volumes', name, () => docker.getVolume(name).remove());
  }
  if (req.buildCache.length) {
    // BuildKit matches each `id` filter value; records in use are never pruned.
    await dial(docker, {
      path: '/build/prune?',
      method: 'POST',
      options: { filters: JSON.stringify({ id: req.buildCache }) },
      statusCodes: { 200: true, 400: 'bad parameter', 404: 'not found', 500: 'server error' },
    }).then(
      (data) => {
        const deleted = (data as { CachesDeleted?: string[] | null })?.CachesDeleted ?? [];
        removed.buildCache.push(...deleted.filter((id) => req.buildCache.includes(id)));
      },
      (err) => {
        for (const id of req.buildCache) {
          failed.push({ kind: 'buildCache', id, message: toBridgeError(err).message });
        }
      },
    );
  }
  const after = totalUsage(await systemDf(docker));
  return { removed, failed, spaceReclaimed: Math.max(0, before - after) };
}
