import { useState } from 'react';
import { useSubscription } from '../../bridge/hooks';
import type { StatsSample } from '../../bridge/contract';
import { LineChart } from '../../components/LineChart';
import { ErrorState } from '../../components/ErrorState';
import { formatBytes } from '../../components/format';
import { useT } from '../../i18n';

/** Two minutes at one sample a second. */
const KEEP = 120;

interface Point {
  cpu: number;
  mem: number;
  memLimit: number;
  rxRate: number;
  txRate: number;
  readRate: number;
  writeRate: number;
  sample: StatsSample;
}

/** Bytes per second between two samples (counters can reset when a container restarts). */
function rate(cur: number, prev: number | undefined, seconds: number): number {
  if (prev === undefined || seconds <= 0 || cur < prev) return 0;
  return (cur - prev) / seconds;
}

const perSecond = (v: number) => `${formatBytes(Math.round(v))}/s`;

/** CPU, memory, network and block I/O over the last two minutes. */
export function StatsTab(props: { id: string; running: boolean }) {
  // Retrying re-mounts the view, which subscribes afresh.
  const [attempt, setAttempt] = useState(0);
  return <StatsView key={attempt} {...props} onRetry={() => setAttempt((a) => a + 1)} />;
}

function StatsView({ id, running, onRetry }: { id: string; running: boolean; onRetry(): void }) {
  const t = useT();
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<unknown>();
  useSubscription('containers.stats', running ? { id } : undefined, {
    onEvent: (s) =>
      setPoints((prev) => {
        const last = prev.at(-1)?.sample;
        const dt = last ? (s.time - last.time) / 1000 : 0;
        const p: Point = {
          cpu: s.cpuPercent,
          mem: s.memUsage,
          memLimit: s.memLimit,
          rxRate: rate(s.netRx, last?.netRx, dt),
          txRate: rate(s.netTx, last?.netTx, dt),
          readRate: rate(s.blockRead, last?.blockRead, dt),
          writeRate: rate(s.blockWrite, last?.blockWrite, dt),
          sample: s,
        };
        return [...prev, p].slice(-KEEP);
      }),
    onEnd: (err) => {
      if (err) setError(err);
    },
  });
  if (!running) return <div className="card ctr-note muted">{t('containers.stats.notRunning')}</div>;
  if (error) return <ErrorState error={error} onRetry={onRetry} />;
  const last = points.at(-1)?.sample;
  // The window widens from 30 s to 2 min as samples arrive, so a fresh chart is not mostly empty.
  const span = Math.min(KEEP, Math.max(30, points.length));
  const caption = t('containers.stats.window', { seconds: span });
  return (
    <div>
      <div className="ctr-stat-cards">
        <Stat label={t('containers.col.cpu')} value={last ? `${last.cpuPercent.toFixed(1)}%` : '—'} />
        <Stat
          label={t('containers.col.memory')}
          value={last ? `${formatBytes(last.memUsage)} / ${formatBytes(last.memLimit)}` : '—'}
        />
        <Stat
          label={t('containers.stats.netTotal')}
          value={last ? `${formatBytes(last.netRx)} / ${formatBytes(last.netTx)}` : '—'}
        />
        <Stat
          label={t('containers.stats.blockTotal')}
          value={last ? `${formatBytes(last.blockRead)} / ${formatBytes(last.blockWrite)}` : '—'}
        />
        <Stat label={t('containers.stats.pids')} value={last ? String(last.pids) : '—'} />
      </div>
      {points.length === 0 && (
        <div className="loading" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('containers.stats.waiting')}
        </div>
      )}
      <div className="ctr-charts">
        <LineChart
          title={t('containers.stats.cpu')}
          capacity={span}
          caption={caption}
          format={(v) => `${v.toFixed(v < 10 ? 1 : 0)}%`}
          max={10}
          series={[{ label: 'CPU', values: points.map((p) => p.cpu), color: 'var(--accent)' }]}
        />
        <LineChart
          title={t('containers.stats.memory')}
          capacity={span}
          caption={caption}
          format={(v) => formatBytes(v)}
          series={[
            { label: t('containers.stats.used'), values: points.map((p) => p.mem), color: 'var(--success)' },
          ]}
        />
        <LineChart
          title={t('containers.stats.network')}
          capacity={span}
          caption={caption}
          format={perSecond}
          series={[
            { label: t('containers.stats.rx'), values: points.map((p) => p.rxRate), color: 'var(--accent)' },
            { label: t('containers.stats.tx'), values: points.map((p) => p.txRate), color: 'var(--warning)' },
          ]}
        />
        <LineChart
          title={t('containers.stats.block')}
          capacity={span}
          caption={caption}
          format={perSecond}
          series={[
            {
              label: t('containers.stats.read'),
              values: points.map((p) => p.readRate),
              color: 'var(--success)',
            },
            {
              label: t('containers.stats.write'),
              values: points.map((p) => p.writeRate),
              color: 'var(--danger)',
            },
          ]}
        />
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="card ctr-stat-card">
      <div className="label">{label}</div>
      <div className="value">{value}</div>
    </div>
  );
}
