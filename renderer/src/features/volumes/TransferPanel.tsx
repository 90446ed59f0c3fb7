import { formatBytes } from '../../components/format';
import { useT } from '../../i18n';
import { useTransfers } from './transfers-store';

/** Downloads and imports in progress, each with a progress bar and Cancel. */
export function TransferPanel() {
  const t = useT();
  const transfers = useTransfers((s) => s.transfers);
  if (transfers.length === 0) return null;
  return (
    <section className="vol-transfers card" aria-label={t('volumes.transfers')}>
      {transfers.map((tr) => {
        const pct = tr.total ? Math.min(100, Math.round((tr.bytes / tr.total) * 100)) : undefined;
        return (
          <div key={tr.key} className="vol-transfer">
            <div className="vol-transfer-line">
              <span className="vol-transfer-label">
                {t(tr.kind === 'download' ? 'volumes.transfer.downloading' : 'volumes.transfer.importing', {
                  name: tr.label,
                })}
              </span>
              <span className="muted">
                {formatBytes(tr.bytes)}
                {tr.total !== null ? ` / ${formatBytes(tr.total)}` : ''}
              </span>
              <button type="button" className="btn btn-small" onClick={tr.cancel}>
                {t('common.cancel')}
              </button>
            </div>
            <div
              className={pct === undefined ? 'vol-progress indeterminate' : 'vol-progress'}
              role="progressbar"
              aria-label={tr.label}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={pct}
            >
              <span style={{ width: pct === undefined ? undefined : `${pct}%` }} />
            </div>
          </div>
        );
      })}
    </section>
  );
}
