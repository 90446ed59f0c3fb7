import type { ContentStore } from '../store/content-store.js';
import type { LayerStore } from '../store/layer-store.js';
import type { ImageRecord } from '../store/image-store.js';
import type { Leases } from './leases.js';

export interface GcInput {
  content: ContentStore;
  layers: LayerStore;
  images: readonly ImageRecord[];
  leases: Leases;
  layersInUse: Iterable<string>;
}

/**
 * Mark-and-sweep: everything reachable from an image (manifest, index, config, layer blobs and unpacked
 * layers), a container or a lease stays; the rest is deleted. Safe to run at any time, and at start-up
 * it cleans what a crash left behind.
 */
export async function collectGarbage(input: GcInput): Promise<{ blobs: number; layers: number }> {
  const blobs = input.leases.blobs();
  const layers = input.leases.layers();
  for (const c of input.layersInUse) layers.add(c);
  for (const img of input.images) {
    blobs.add(img.id);
    blobs.add(img.manifestDigest);
    if (img.indexDigest) blobs.add(img.indexDigest);
    for (const l of img.layers) {
      blobs.add(l.digest);
      layers.add(l.chainId);
    }
  }
  let removedBlobs = 0;
  let removedLayers = 0;
  for (const digest of await input.content.list()) {
    if (!blobs.has(digest)) {
      await input.content.delete(digest);
      removedBlobs++;
    }
  }
  for (const layer of input.layers.all()) {
    if (!layers.has(layer.chainId)) {
      await input.layers.delete(layer.chainId);
      removedLayers++;
    }
  }
  return { blobs: removedBlobs, layers: removedLayers };
}
