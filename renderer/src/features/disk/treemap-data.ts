// The disk summary as a tree for the treemap: one group per kind, one leaf per item. Image layers
// shared by several images are drawn once, as their own leaf, so the picture adds up to the real
// disk usage; each image's leaf is its unique part.
import type { DiskKind, DiskSummary } from '../../bridge';

export type LeafKind = DiskKind | 'shared';

export interface Leaf {
  id: string;
  kind: LeafKind;
  name: string;
  size: number;
  /** Unused: a reclaim could remove it (dangling or unused image, stopped container, unused volume …). */
  reclaimable?: boolean;
  /** Extra lines for the tooltip: images' shared and unique parts, containers' state. */
  detail?: { shared?: number; unique?: number; total?: number; state?: string; others?: number };
}

export interface Group {
  id: DiskKind;
  kind: DiskKind;
  name: string;
  children: Leaf[];
}

export interface Root {
  id: 'root';
  children: Group[];
}

/** Leaves per kind before the smallest are folded into one "n others" leaf. */
export const MAX_LEAVES = 150;

function fold(kind: LeafKind, leaves: Leaf[], othersLabel: (n: number) => string): Leaf[] {
  const sorted = leaves.filter((l) => l.size > 0).sort((a, b) => b.size - a.size);
  if (sorted.length <= MAX_LEAVES) return sorted;
  const rest = sorted.slice(MAX_LEAVES - 1);
  return [
    ...sorted.slice(0, MAX_LEAVES - 1),
    {
      id: `${kind}:others`,
      kind,
      name: othersLabel(rest.length),
      size: rest.reduce((n, l) => n + l.size, 0),
      detail: { others: rest.length },
    },
  ];
}

export function buildTree(
  s: DiskSummary,
  labels: { kind(k: DiskKind): string; shared: string; others(n: number): string },
): Root {
  const images: Leaf[] = s.images.map((i) => ({
    id: `image:${i.id}`,
    kind: 'images',
    name: i.name,
    size: i.uniqueSize,
    reclaimable: i.containers === 0,
    detail: { shared: i.sharedSize, unique: i.uniqueSize, total: i.size },
  }));
  const imageLeaves = fold('images', images, labels.others);
  if (s.sharedLayersSize > 0) {
    imageLeaves.unshift({ id: 'shared', kind: 'shared', name: labels.shared, size: s.sharedLayersSize });
  }
  const groups: Group[] = [
    { id: 'images', kind: 'images', name: labels.kind('images'), children: imageLeaves },
    {
      id: 'containers',
      kind: 'containers',
      name: labels.kind('containers'),
      children: fold(
        'containers',
        s.containers.map((c) => ({
          id: `container:${c.id}`,
          kind: 'containers',
          name: c.name,
          size: c.sizeRw,
          reclaimable: !c.active,
          detail: { state: c.state },
        })),
        labels.others,
      ),
    },
    {
      id: 'volumes',
      kind: 'volumes',
      name: labels.kind('volumes'),
      children: fold(
        'volumes',
        s.volumes.map((v) => ({
          id: `volume:${v.name}`,
          kind: 'volumes',
          name: v.name,
          size: v.size,
          reclaimable: v.refCount === 0,
        })),
        labels.others,
      ),
    },
    {
      id: 'buildCache',
      kind: 'buildCache',
      name: labels.kind('buildCache'),
      children: fold(
        'buildCache',
        s.buildCache
          .filter((b) => !b.shared)
          .map((b) => ({
            id: `cache:${b.id}`,
            kind: 'buildCache',
            name: b.description || b.type || b.id.slice(0, 12),
            size: b.size,
            reclaimable: !b.inUse,
          })),
        labels.others,
      ),
    },
  ];
  return { id: 'root', children: groups.filter((g) => g.children.length > 0) };
}
