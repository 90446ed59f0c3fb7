import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readdir, writeFile, mkdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayerStore } from './layer-store.js';
import { sha256 } from './digest.js';

const diffId = sha256('layer');

describe('LayerStore', () => {
  let root: string;
  let layers: LayerStore;
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-layers-'));
    layers = new LayerStore(root);
    await layers.init();
  });

  it('creates a layer once, even when asked twice at the same time', async () => {
    let fills = 0;
    const fill = async (dir: string) => {
      fills++;
      await writeFile(join(dir, 'file'), 'content');
      return { diffId, size: 7 };
    };
    const [a, b] = await Promise.all([
      layers.create(diffId, diffId, undefined, fill),
      layers.create(diffId, diffId, undefined, fill),
    ]);
    expect(fills).toBe(1);
    expect(a).toEqual(b);
    expect(await readFile(join(layers.diffPath(diffId), 'file'), 'utf8')).toBe('content');
    // Known after a restart.
    const reopened = new LayerStore(root);
    await reopened.init();
    expect(reopened.get(diffId)).toEqual({ chainId: diffId, diffId, size: 7 });
  });

  it('rejects content whose diff ID does not match and leaves nothing behind', async () => {
    await expect(
      layers.create(diffId, diffId, undefined, async () => ({ diffId: sha256('other'), size: 1 })),
    ).rejects.toThrow(/does not match/);
    expect(layers.has(diffId)).toBe(false);
    expect(await readdir(join(root, 'layers', '.tmp'))).toEqual([]);
  });

  it('init drops half-created and metadata-less layers', async () => {
    await mkdir(join(root, 'layers', '.tmp', 'half'), { recursive: true });
    await mkdir(join(root, 'layers', diffId.slice(7), 'diff'), { recursive: true });
    const reopened = new LayerStore(root);
    await reopened.init();
    expect(reopened.all()).toEqual([]);
    expect((await readdir(join(root, 'layers'))).sort()).toEqual(['.tmp']);
    expect(await readdir(join(root, 'layers', '.tmp'))).toEqual([]);
  });

  it('deletes a layer', async () => {
    await layers.create(diffId, diffId, undefined, async () => ({ diffId, size: 0 }));
    await layers.delete(diffId);
    expect(layers.has(diffId)).toBe(false);
    expect((await readdir(join(root, 'layers'))).sort()).toEqual(['.tmp']);
  });
});
