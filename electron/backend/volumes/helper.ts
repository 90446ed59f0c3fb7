// Reaching into a volume through the Docker API only: a short-lived helper container that mounts the
// volume at /volume and is never started, whose files the archive API (GET/PUT
// /containers/{id}/archive) reads and writes. Any local image will do since nothing runs; the
// smallest is picked.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { HandlerError } from '../errors.js';
import { VOLUME_HELPER_LABEL as HELPER_LABEL } from '../../contract/volumes.js';

export const HELPER_MOUNT = '/volume';

export const NO_IMAGE_MESSAGE =
  'Browsing, exporting or importing a volume needs an image on this engine: the app mounts the volume ' +
  'in a helper container that is never started. Pull any image first, e.g. `docker pull busybox`.';

/** Helpers older than this are leftovers of a crashed app and may be swept. */
const STALE_HELPER_MS = 6 * 60 * 60 * 1000;

export interface Helper {
  container: Docker.Container;
  id: string;
  remove(): Promise<void>;
}

/** The smallest local image (a tagged one when sizes tie). */
async function helperImage(docker: Docker): Promise<string> {
  const images = await docker.listImages();
  if (images.length === 0) throw new HandlerError(NO_IMAGE_MESSAGE, 412);
  images.sort(
    (a, b) =>
      (a.Size ?? 0) - (b.Size ?? 0) ||
      Number(!a.RepoTags?.some((t) => t !== '<none>:<none>')) -
        Number(!b.RepoTags?.some((t) => t !== '<none>:<none>')),
  );
  return images[0]!.Id;
}

/**
 * Creates (does not start) a helper container with `volume` at /volume. The volume must exist: a
 * container create would otherwise make a new empty one.
 */
export async function createHelper(
  docker: Docker,
  volume: string,
  opts: { readOnly: boolean },
): Promise<Helper> {
  await docker.getVolume(volume).inspect();
  const image = await helperImage(docker);
  const container = await docker.createContainer({
    name: `berth-volume-helper-${randomBytes(5).toString('hex')}`,
    Image: image,
    // Never run; an engine still wants a command at create time.
    Cmd: ['true'],
    NetworkDisabled: true,
    Labels: { [HELPER_LABEL]: volume },
    HostConfig: {
      Binds: [`${volume}:${HELPER_MOUNT}${opts.readOnly ? ':ro' : ''}`],
      NetworkMode: 'none',
    },
  });
  let removed = false;
  return {
    container,
    id: container.id,
    async remove() {
      if (removed) return;
      removed = true;
      await container.remove({ force: true }).catch((err: { statusCode?: number }) => {
        if (err?.statusCode !== 404) throw err;
      });
    },
  };
}

/** Runs `fn` with a helper and removes the helper after, whatever happens. */
export async function withHelper<T>(
  docker: Docker,
  volume: string,
  opts: { readOnly: boolean },
  fn: (helper: Helper) => Promise<T>,
): Promise<T> {
  const helper = await createHelper(docker, volume, opts);
  try {
    return await fn(helper);
  } finally {
    await helper.remove().catch(() => undefined);
  }
}

/** Removes helpers a crashed app left behind (best effort). */
export async function sweepStaleHelpers(docker: Docker, now = Date.now()): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [HELPER_LABEL] } });
  for (const c of list) {
    if (c.State === 'running' || now - c.Created * 1000 < STALE_HELPER_MS) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
