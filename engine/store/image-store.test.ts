import { describe, it, expect, afterAll } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore, type ImageRecord } from './image-store.js';
import { sha256, chainIds } from './digest.js';

function image(id: string): ImageRecord {
  return {
    id,
    manifestDigest: sha256(`m-${id}`),
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    layers: [],
    labels: {},
    os: 'linux',
    architecture: 'amd64',
    size: 0,
    addedAt: new Date(0).toISOString(),
  };
}

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

describe('ImageStore', () => {
  it('persists images and references atomically and reloads them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-images-'));
    roots.push(root);
    const store = new ImageStore(root);
    await store.init();
    const id = sha256('config');
    await store.update((s) => {
      s.images.set(id, image(id));
      s.refs.set('docker.io/library/busybox:latest', id);
    });
    const reopened = new ImageStore(root);
    await reopened.init();
    expect(reopened.get(id)?.id).toBe(id);
    expect(reopened.refsOf(id)).toEqual(['docker.io/library/busybox:latest']);
    // No temp files are left next to the metadata.
    expect(await readdir(join(root, 'metadata'))).toEqual(['images.json']);
  });

  it('keeps the old state when an update throws', async () => {
    const root = await mkdtemp(join(tmpdir(), 'berth-images-'));
    roots.push(root);
    const store = new ImageStore(root);
    await store.init();
    const id = sha256('a');
    await expect(
      store.update((s) => {
        s.images.set(id, image(id));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.get(id)).toBeUndefined();
    // Later updates still run.
    await store.update((s) => void s.images.set(id, image(id)));
    expect(store.get(id)).toBeDefined();
  });
});

describe('chainIds', () => {
  it('follows the OCI definition', () => {
    const a = sha256('a');
    const b = sha256('b');
    expect(chainIds([a, b])).toEqual([a, sha256(`${a} ${b}`)]);
  });
});
