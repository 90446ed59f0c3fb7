import { useT } from '../../i18n';
import { ProgressBar } from './TransferView';
import { overallFraction, useTransfers } from './transfers';
import { useImagesUi } from './ui-store';

/** Pulls and pushes going on in the background: a small bar each; click to watch the details. */
export function TransferIndicator() {
  const t = useT();
  const transfers = useTransfers((s) => s.transfers);
  const running = transfers.filter((x) => x.state === 'running');
  const { openPull, openPush } = useImagesUi.getState();
  if (running.length === 0) return null;
  return (
    <div className="img-indicator" role="status" aria-label={t('images.transfer.background')}>
      {running.map((tr) => {
        const label = t(tr.kind === 'pull' ? 'images.transfer.pulling' : 'images.transfer.pushing', {
          ref: tr.ref,
        });
        return (
          <button
            key={tr.id}
            type="button"
            className="img-indicator-item"
            title={label}
            aria-label={label}
            onClick={() => (tr.kind === 'pull' ? openPull(tr.id) : openPush([tr.ref], tr.id))}
          >
            <span className="spinner" aria-hidden="true" />
            <span className="img-indicator-ref">{tr.ref}</span>
            <ProgressBar value={overallFraction(tr)} label={label} />
          </button>
        );
      })}
    </div>
  );
}
