import { useEffect, useId, useMemo, useRef, useState, type MouseEvent } from 'react';
import { hierarchy, treemap, type HierarchyRectangularNode } from 'd3-hierarchy';
import type { DiskSummary } from '../../bridge';
import { formatBytes } from '../../components/format';
import { useT } from '../../i18n';
import { buildTree, type Group, type Leaf, type Root } from './treemap-data';

type Datum = Root | Group | Leaf;
type Node = HierarchyRectangularNode<Datum>;

const GROUP_LABEL = 20;

function isLeaf(d: Datum): d is Leaf {
  return !('children' in d);
}

/** Cuts `text` to what fits in `width` px (a rough average glyph width is enough here). */
function fit(text: string, width: number, px = 7): string {
  const max = Math.floor((width - 10) / px);
  if (max <= 1) return '';
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * What takes space, as a treemap (d3-hierarchy's squarified layout drawn as SVG): a block per kind,
 * a tile per item sized by its bytes, colored by kind; image layers shared by several images are one
 * lighter tile. Hovering a tile shows its name and sizes.
 */
export function Treemap({ summary }: { summary: DiskSummary }) {
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const hatch = `disk-hatch-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const [width, setWidth] = useState(900);
  const [hover, setHover] = useState<{ node: Node; x: number; y: number } | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const height = Math.round(Math.max(240, Math.min(440, width * 0.42)));

  const nodes = useMemo(() => {
    const tree = buildTree(summary, {
      kind: (k) => t(`disk.kind.${k}`),
      shared: t('disk.sharedLayers'),
      others: (n) => t('disk.others', { count: n }),
    });
    const root = hierarchy<Datum>(tree, (d) => (isLeaf(d) ? undefined : (d.children as Datum[])))
      .sum((d) => (isLeaf(d) ? d.size : 0))
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
    if (!root.value) return [];
    return treemap<Datum>()
      .size([width, height])
      .paddingOuter(3)
      .paddingTop((n) => (n.depth === 1 ? GROUP_LABEL : 3))
      .paddingInner(1)
      .round(true)(root)
      .descendants()
      .filter((n) => n.depth > 0);
  }, [summary, width, height, t]);

  const onMove = (node: Node) => (e: MouseEvent) => {
    const rect = box.current?.getBoundingClientRect();
    if (!rect) return;
    setHover({ node, x: e.clientX - rect.left, y: e.clientY - rect.top });
  };

  if (nodes.length === 0) {
    return <p className="empty-state">{t('disk.nothingStored')}</p>;
  }
  const total = summary.total.size;
  const tip = hover ? (hover.node.data as Leaf) : null;
  return (
    <div className="disk-treemap" ref={box} onMouseLeave={() => setHover(null)}>
      <svg
        width={width}
        height={height}
        role="img"
        aria-label={t('disk.treemapLabel', { size: formatBytes(total) })}
      >
        <defs>
          <pattern
            id={hatch}
            width="7"
            height="7"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="2.5" height="7" className="disk-hatch-stripe" />
          </pattern>
        </defs>
        {nodes.map((n) => {
          const w = n.x1 - n.x0;
          const h = n.y1 - n.y0;
          if (w <= 0 || h <= 0) return null;
          if (!isLeaf(n.data)) {
            const g = n.data as Group;
            return (
              <g key={g.id} className={`disk-group disk-kind-${g.kind}`}>
                <rect x={n.x0} y={n.y0} width={w} height={h} rx={4} className="disk-group-bg" />
                {w > 50 && (
                  <text x={n.x0 + 6} y={n.y0 + 14} className="disk-group-label">
                    {fit(`${g.name} · ${formatBytes(n.value)}`, w)}
                  </text>
                )}
              </g>
            );
          }
          const leaf = n.data;
          const showName = w > 46 && h > 20;
          const showSize = w > 46 && h > 36;
          return (
            <g
              key={leaf.id}
              className={`disk-leaf disk-kind-${leaf.kind}${hover?.node === n ? ' hovered' : ''}`}
              onMouseMove={onMove(n)}
            >
              <rect x={n.x0} y={n.y0} width={w} height={h} rx={2}>
                <title>{`${leaf.name} — ${formatBytes(leaf.size)}`}</title>
              </rect>
              {leaf.reclaimable && (
                <rect
                  x={n.x0}
                  y={n.y0}
                  width={w}
                  height={h}
                  rx={2}
                  style={{ fill: `url(#${hatch})` }}
                  className="disk-hatch"
                />
              )}
              {showName && (
                <text x={n.x0 + 5} y={n.y0 + 15} className="disk-leaf-label">
                  {fit(leaf.name, w)}
                </text>
              )}
              {showSize && (
                <text x={n.x0 + 5} y={n.y0 + 30} className="disk-leaf-size">
                  {fit(formatBytes(leaf.size), w)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {hover && tip && (
        <div
          className="disk-tooltip"
          role="tooltip"
          style={{
            left: Math.min(hover.x + 14, width - 260),
            top: hover.y + 14 > height - 90 ? hover.y - 90 : hover.y + 14,
          }}
        >
          <strong>{tip.name}</strong>
          <span className="muted">
            {t(tip.kind === 'shared' ? 'disk.sharedLayers' : `disk.kind.${tip.kind}`)}
          </span>
          {tip.kind === 'images' && tip.detail?.total !== undefined ? (
            <>
              <span>{t('disk.tip.unique', { size: formatBytes(tip.detail.unique ?? 0) })}</span>
              <span>{t('disk.tip.shared', { size: formatBytes(tip.detail.shared ?? 0) })}</span>
              <span>{t('disk.tip.total', { size: formatBytes(tip.detail.total) })}</span>
            </>
          ) : (
            <span>{formatBytes(tip.size)}</span>
          )}
          {tip.kind === 'shared' && <span className="muted">{t('disk.tip.sharedExplain')}</span>}
          {tip.detail?.state && <span className="muted">{tip.detail.state}</span>}
          {tip.reclaimable && <span className="disk-tip-reclaimable">{t('disk.tip.reclaimable')}</span>}
          <span className="muted">
            {t('disk.tip.percent', { pct: ((tip.size / total) * 100).toFixed(1) })}
          </span>
        </div>
      )}
    </div>
  );
}
