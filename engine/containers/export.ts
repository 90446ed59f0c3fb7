/** `docker export`: the container's root filesystem (without its volumes) as one tar stream. */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { withRootfs } from './rootfs-access.js';
import type { ContainerService } from './service.js';
import type { ContainerRecord } from './store.js';
import { packTree } from './tar-tree.js';

/** Streams the merged root filesystem of `rec` into `out` (mounting it meanwhile when stopped). */
export async function exportContainer(
  svc: ContainerService,
  rec: ContainerRecord,
  out: Writable,
  signal?: AbortSignal,
): Promise<void> {
  await withRootfs(svc, rec, async (merged) => {
    const pack = tarPack();
    const sent = pipeline(pack, out);
    try {
      await packTree(pack, merged, '', { signal });
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
    await sent;
  });
  svc.emit(rec, 'export');
}
