import { useT } from '../../i18n';
import { formatBytes } from '../../components/format';
import type { LayerProgress } from '../../bridge';
import { fraction, overallFraction, type Transfer } from './transfers';

export function ProgressBar({
  value,
  label,
  tone,
}: {
  /** 0…1, or undefined for "size not known yet". */
  value: number | undefined;
  label: string;
  tone?: 'done' | 'failed' | 'active';
}) {
  const pct = value === undefined ? undefined : Math.round(value * 100);
  return (
    <div
      className={`img-progress${value === undefined ? ' indeterminate' : ''}${tone ? ` ${tone}` : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
    >
      <div className="img-progress-fill" style={{ width: pct === undefined ? undefined : `${pct}%` }} />
    </div>
  );
}

function layerValue(l: LayerProgress): number | undefined {
  if (l.phase === 'done' || l.phase === 'exists') return 1;
  if (l.phase === 'waiting') return 0;
  if (l.phase === 'verifying') return 1;
  return fraction(l.current, l.total);
}

function phaseLabel(t: ReturnType<typeof useT>, l: LayerProgress): string {
  switch (l.phase) {
    case 'waiting':
      return t('images.layer.waiting');
    case 'downloading':
      return t('images.layer.downloading');
    case 'verifying':
      return t('images.layer.verifying');
    case 'extracting':
      return t('images.layer.extracting');
    case 'uploading':
      return t('images.layer.uploading');
    case 'done':
      return t('images.layer.done');
    case 'exists':
      return t('images.layer.exists');
  }
}

/** Overall progress and one bar per layer, live. */
export function TransferView({ transfer }: { transfer: Transfer }) {
  const t = useT();
  const o = transfer.overall;
  const tone = transfer.state === 'done' ? 'done' : transfer.state === 'failed' ? 'failed' : 'active';
  return (
    <div className="img-transfer">
      <div className="img-transfer-overall">
        <div className="img-transfer-head">
          <strong className="mono">{transfer.ref}</strong>
          <span className="muted">
            {o.layersTotal > 0 && t('images.transfer.layers', { done: o.layersDone, total: o.layersTotal })}
            {o.total > 0 && ` · ${formatBytes(o.current)} / ${formatBytes(o.total)}`}
          </span>
        </div>
        <ProgressBar value={overallFraction(transfer)} label={t('images.transfer.overall')} tone={tone} />
        {transfer.status && <p className="img-transfer-status muted">{transfer.status}</p>}
      </div>
      {transfer.order.length > 0 && (
        <ul className="img-layers" aria-label={t('images.transfer.layerList')}>
          {transfer.order.map((id) => {
            const l = transfer.layers[id]!;
            return (
              <li key={id} className={`img-layer phase-${l.phase}`}>
                <span className="mono img-layer-id">{id}</span>
                <span className="img-layer-status">{phaseLabel(t, l)}</span>
                <ProgressBar
                  value={layerValue(l)}
                  label={t('images.transfer.layer', { id })}
                  tone={l.phase === 'done' || l.phase === 'exists' ? 'done' : 'active'}
                />
                <span className="img-layer-bytes muted">
                  {l.total ? `${formatBytes(l.current ?? 0)} / ${formatBytes(l.total)}` : ''}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
