import './disk.css';
import { useMemo } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { DiskKind, DiskSummary } from '../../bridge';
import { href } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes } from '../../components/format';
import { useT } from '../../i18n';
import { ReclaimDialog } from './ReclaimDialog';
import { Treemap } from './Treemap';
import { useDiskUi } from './ui-store';

export const KINDS: DiskKind[] = ['images', 'containers', 'volumes', 'buildCache'];

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

function StatCards({ s }: { s: DiskSummary }) {
  const t = useT();
  return (
    <div className="disk-stats">
      <div className="card disk-stat disk-stat-total">
        <span className="disk-stat-label">{t('disk.total')}</span>
        <span className="disk-stat-value" data-testid="disk-total">
          {formatBytes(s.total.size)}
        </span>
        <span className="muted">
          {t('disk.reclaimableOf', {
            size: formatBytes(s.total.reclaimable),
            pct: pct(s.total.reclaimable, s.total.size),
          })}
        </span>
      </div>
      {KINDS.map((k) => {
        const x = s.totals[k];
        return (
          <div key={k} className="card disk-stat">
            <span className="disk-stat-label">
              <span className={`disk-swatch disk-kind-${k}`} aria-hidden="true" />
              {t(`disk.kind.${k}`)}
            </span>
            <span className="disk-stat-value">{formatBytes(x.size)}</span>
            <span className="muted">{t('disk.countActive', { count: x.count, active: x.active })}</span>
          </div>
        );
      })}
    </div>
  );
}

/** Bars: for each kind, its size and the reclaimable part of it, on one scale. */
function ReclaimBars({ s }: { s: DiskSummary }) {
  const t = useT();
  const max = Math.max(1, ...KINDS.map((k) => s.totals[k].size));
  return (
    <section className="card disk-bars" aria-label={t('disk.reclaimable')}>
      <h2>{t('disk.reclaimable')}</h2>
      <ul>
        {KINDS.map((k) => {
          const x = s.totals[k];
          return (
            <li key={k}>
              <div className="disk-bar-head">
                <span>{t(`disk.kind.${k}`)}</span>
                <span className="muted">
                  {t('disk.bar.of', { part: formatBytes(x.reclaimable), whole: formatBytes(x.size) })}
                </span>
              </div>
              <div
                className={`disk-bar disk-kind-${k}`}
                role="meter"
                aria-label={t('disk.bar.label', { kind: t(`disk.kind.${k}`) })}
                aria-valuemin={0}
                aria-valuemax={x.size}
                aria-valuenow={x.reclaimable}
                aria-valuetext={formatBytes(x.reclaimable)}
              >
                <span className="disk-bar-size" style={{ width: `${(x.size / max) * 100}%` }}>
                  <span className="disk-bar-fill" style={{ width: `${pct(x.reclaimable, x.size)}%` }} />
                </span>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

interface Row {
  key: string;
  kind: DiskKind;
  name: string;
  size: number;
  link?: string;
}

/** The biggest items, whatever their kind: also the treemap's accessible twin. */
function LargestItems({ s }: { s: DiskSummary }) {
  const t = useT();
  const rows = useMemo<Row[]>(
    () =>
      [
        ...s.images.map((i) => ({
          key: `i${i.id}`,
          kind: 'images' as const,
          name: i.name,
          size: i.size,
          link: href('images', i.id),
        })),
        ...s.containers.map((c) => ({
          key: `c${c.id}`,
          kind: 'containers' as const,
          name: c.name,
          size: c.sizeRw,
          link: href('containers', c.id, 'inspect'),
        })),
        ...s.volumes.map((v) => ({
          key: `v${v.name}`,
          kind: 'volumes' as const,
          name: v.name,
          size: v.size,
          link: href('volumes', v.name),
        })),
        ...s.buildCache.map((b) => ({
          key: `b${b.id}`,
          kind: 'buildCache' as const,
          name: b.description || b.id.slice(0, 12),
          size: b.size,
        })),
      ]
        .filter((r) => r.size > 0)
        .sort((a, b) => b.size - a.size)
        .slice(0, 10),
    [s],
  );
  return (
    <section className="card disk-largest" aria-label={t('disk.largest')}>
      <h2>{t('disk.largest')}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('disk.nothingStored')}</p>
      ) : (
        <table className="table disk-largest-table">
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <td>
                  <span className="disk-largest-name">
                    <span className={`disk-swatch disk-kind-${r.kind}`} aria-hidden="true" />
                    <span className="sr-only">{t(`disk.kind.${r.kind}`)}: </span>
                    {r.link ? <a href={r.link}>{r.name}</a> : r.name}
                  </span>
                </td>
                <td className="num">{formatBytes(r.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** #/disk */
export function DiskPage(_props: { params: string[] }) {
  const t = useT();
  const query = useBridgeQuery(['disk', 'summary'], 'disk.summary', {});
  const { reclaimOpen, openReclaim, closeReclaim } = useDiskUi();
  const s = query.data;
  return (
    <section className="page disk-page">
      <header className="page-header">
        <h1>{t('disk.title')}</h1>
        <button
          type="button"
          className="btn"
          onClick={() => void query.refetch()}
          disabled={query.isFetching}
        >
          {t('common.refresh')}
        </button>
        <button type="button" className="btn btn-primary" onClick={openReclaim} disabled={!s}>
          {t('disk.reclaim')}
        </button>
      </header>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <StatCards s={s!} />
          <section className="card disk-map" aria-label={t('disk.whatTakesSpace')}>
            <header className="disk-map-header">
              <h2>{t('disk.whatTakesSpace')}</h2>
              <ul className="disk-legend">
                {KINDS.map((k) => (
                  <li key={k}>
                    <span className={`disk-swatch disk-kind-${k}`} aria-hidden="true" />
                    {t(`disk.kind.${k}`)}
                  </li>
                ))}
                <li>
                  <span className="disk-swatch disk-kind-shared" aria-hidden="true" />
                  {t('disk.sharedLayers')}
                </li>
                <li>
                  <span className="disk-swatch disk-swatch-hatch" aria-hidden="true" />
                  {t('disk.legend.reclaimable')}
                </li>
              </ul>
            </header>
            <Treemap summary={s!} />
          </section>
          <div className="disk-columns">
            <ReclaimBars s={s!} />
            <LargestItems s={s!} />
          </div>
        </>
      )}
      {reclaimOpen && <ReclaimDialog onClose={closeReclaim} />}
    </section>
  );
}
