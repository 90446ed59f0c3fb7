import { describe, expect, it } from 'vitest';
import type { DiskSummary } from '../../bridge';
import { buildTree, MAX_LEAVES } from './treemap-data';

const labels = {
  kind: (k: string) => k.toUpperCase(),
  shared: 'SHARED',
  others: (n: number) => `${n} others`,
};

function summary(over: Partial<DiskSummary> = {}): DiskSummary {
  const kind = { count: 0, active: 0, size: 0, reclaimable: 0 };
  return {
    layersSize: 0,
    sharedLayersSize: 0,
    images: [],
    containers: [],
    volumes: [],
    buildCache: [],
    totals: { images: kind, containers: kind, volumes: kind, buildCache: kind },
    total: { size: 0, reclaimable: 0 },
    ...over,
  };
}

describe('buildTree', () => {
  it('draws shared layers once and each image by its unique part', () => {
    const tree = buildTree(
      summary({
        layersSize: 130,
        sharedLayersSize: 100,
        images: [
          {
            id: 'a',
            name: 'a:1',
            tags: ['a:1'],
            size: 120,
            sharedSize: 100,
            uniqueSize: 20,
            containers: 1,
            dangling: false,
            created: 0,
          },
          {
            id: 'b',
            name: '<none>:<none>',
            tags: [],
            size: 110,
            sharedSize: 100,
            uniqueSize: 10,
            containers: 0,
            dangling: true,
            created: 0,
          },
        ],
        volumes: [{ name: 'v', size: 5, refCount: 0, anonymous: false }],
        containers: [{ id: 'c', name: 'c', image: 'a:1', state: 'running', active: true, sizeRw: 0 }],
      }),
      labels,
    );
    expect(tree.children.map((g) => g.kind)).toEqual(['images', 'volumes']);
    const images = tree.children[0]!.children;
    expect(images.map((l) => [l.kind, l.size, l.reclaimable ?? false])).toEqual([
      ['shared', 100, false],
      ['images', 20, false],
      ['images', 10, true],
    ]);
    // Leaves add up to what is on disk: layers counted once.
    expect(images.reduce((n, l) => n + l.size, 0)).toBe(130);
    expect(tree.children[1]!.children[0]).toMatchObject({ name: 'v', reclaimable: true });
  });

  it('folds the smallest items of a kind into one leaf', () => {
    const volumes = Array.from({ length: MAX_LEAVES + 50 }, (_, i) => ({
      name: `v${i}`,
      size: i + 1,
      refCount: 1,
      anonymous: false,
    }));
    const tree = buildTree(summary({ volumes }), labels);
    const leaves = tree.children[0]!.children;
    expect(leaves).toHaveLength(MAX_LEAVES);
    const others = leaves.at(-1)!;
    expect(others.name).toBe('51 others');
    expect(leaves.reduce((n, l) => n + l.size, 0)).toBe(volumes.reduce((n, v) => n + v.size, 0));
  });
});
