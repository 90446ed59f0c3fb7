import type { Filters } from '../api/http.js';
import { InvalidArgumentError } from '../errors.js';
import type { DeleteRecord, ImageService } from './service.js';
import { createdSeconds } from './views.js';
import { excludeLabels, matchLabels, parseTimestamp } from '../filters.js';
import { storedRef } from './references.js';

export interface PruneReport {
  ImagesDeleted: DeleteRecord[] | null;
  SpaceReclaimed: number;
}

function danglingOnly(filters: Filters): boolean {
  const v = filters.get('dangling');
  if (!v) return true;
  const s = v.map((x) => x.toLowerCase());
  if (s.length === 1 && (s[0] === 'false' || s[0] === '0')) return false;
  if (s.length === 1 && (s[0] === 'true' || s[0] === '1')) return true;
  throw new InvalidArgumentError(`invalid filter 'dangling=${v.join(',')}'`);
}

/** `POST /images/prune`: dangling images, or every image no container uses (`dangling=false`). */
export async function pruneImages(service: ImageService, filters: Filters): Promise<PruneReport> {
  const onlyDangling = danglingOnly(filters);
  const until = filters.get('until')?.map((v) => parseTimestamp(v));
  const labels = filters.get('label');
  const notLabels = filters.get('label!');
  const layerSizes = new Map(service.deps.layers.all().map((l) => [l.chainId, l.size]));
  const deleted: DeleteRecord[] = [];

  for (const img of service.store.all()) {
    const created = createdSeconds(img) * 1000;
    if (until && !until.every((t) => created < t)) continue;
    if (!matchLabels(img.labels, labels)) continue;
    if (!excludeLabels(img.labels, notLabels)) continue;
    const usage = service.usage(img.id);
    if (usage.running.length + usage.stopped.length > 0) continue;
    if (!service.store.get(img.id)) continue; // removed meanwhile
    const refs = service.store.refsOf(img.id);
    try {
      if (refs.length === 0) {
        deleted.push(...(await service.remove(img.id)));
      } else {
        const hasTag = refs.some((r) => storedRef(r).digest === undefined);
        if (onlyDangling && hasTag) continue;
        for (const ref of refs) {
          if (!service.store.refTarget(ref)) continue;
          deleted.push(...(await service.remove(ref)));
        }
      }
    } catch {
      // dockerd skips images it cannot delete (a conflict that appeared meanwhile).
    }
  }
  let reclaimed = 0;
  for (const d of deleted) if (d.Deleted) reclaimed += layerSizes.get(d.Deleted) ?? 0;
  service.deps.events.emit('image', 'prune', '', { reclaimed: String(reclaimed) });
  return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
