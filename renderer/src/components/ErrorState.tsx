import { useT } from '../i18n';

/** An error with a retry button; never an endless spinner. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  const e = error as { message?: string; code?: string };
  const unreachable = e?.code === 'engine-unreachable';
  return (
    <div className="error-state" role="alert">
      <strong>{unreachable ? t('engine.unreachable') : t('common.error')}</strong>
      <p className="error-message">{e?.message ?? String(error)}</p>
      {unreachable && <p className="muted">{t('engine.unreachableHint')}</p>}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const t = useT();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {t('common.loading')}
    </div>
  );
}
