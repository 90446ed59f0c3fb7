import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, shortId } from '../../components/format';
import { toast } from '../../components/toasts';
import { useBridgeMutation, useBridgeQuery } from '../../bridge/hooks';
import type { PruneMode } from '../../bridge';
import { useT } from '../../i18n';
import { useImagesUi } from './ui-store';

/** Prune dangling or all unused images, after a preview of what goes and how much space returns. */
export function PruneDialog() {
  const t = useT();
  const { pruneOpen, closePrune } = useImagesUi();
  const [mode, setMode] = useState<PruneMode>('dangling');
  const preview = useBridgeQuery(
    ['images', 'prune-preview', mode],
    'images.prunePreview',
    { mode },
    {
      enabled: pruneOpen,
      staleTime: 0,
    },
  );
  const prune = useBridgeMutation('images.prune', [['images'], ['disk'], ['system']]);
  const count = preview.data?.images.length ?? 0;

  return (
    <Dialog
      title={t('images.prune.title')}
      open={pruneOpen}
      onClose={closePrune}
      wide
      footer={
        <>
          <button type="button" className="btn" onClick={closePrune}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={!preview.data || count === 0 || prune.isPending}
            onClick={async () => {
              try {
                const r = await prune.mutateAsync({ mode });
                toast(
                  'success',
                  t(r.deleted.length === 1 ? 'images.prune.doneOne' : 'images.prune.done', {
                    count: r.deleted.length,
                    size: formatBytes(r.spaceReclaimed),
                  }),
                );
                closePrune();
              } catch {
                // Shown below.
              }
            }}
          >
            {prune.isPending
              ? t('images.prune.running')
              : t(count === 1 ? 'images.prune.confirmOne' : 'images.prune.confirm', { count })}
          </button>
        </>
      }
    >
      <div className="segmented" role="group" aria-label={t('images.prune.mode')}>
        {(['dangling', 'all'] as const).map((m) => (
          <button key={m} type="button" aria-pressed={mode === m} onClick={() => setMode(m)}>
            {m === 'dangling' ? t('images.prune.dangling') : t('images.prune.all')}
          </button>
        ))}
      </div>
      <p className="muted img-prune-explain">
        {mode === 'dangling' ? t('images.prune.danglingHint') : t('images.prune.allHint')}
      </p>
      {preview.isPending ? (
        <Loading />
      ) : preview.isError ? (
        <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
      ) : count === 0 ? (
        <p className="empty-state">{t('images.prune.nothing')}</p>
      ) : (
        <>
          <div className="img-prune-total" aria-live="polite">
            <span className="img-prune-size">{formatBytes(preview.data.reclaimable)}</span>
            <span>
              {t(count === 1 ? 'images.prune.reclaimableOne' : 'images.prune.reclaimable', { count })}
            </span>
          </div>
          <table className="table img-prune-table" aria-label={t('images.prune.list')}>
            <thead>
              <tr>
                <th>{t('images.col.image')}</th>
                <th>{t('images.col.id')}</th>
                <th className="num">{t('common.size')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.data.images.map((img) => (
                <tr key={img.id}>
                  <td className="mono">{img.repoTags.join(', ') || t('images.untagged')}</td>
                  <td className="mono muted">{shortId(img.id)}</td>
                  <td className="num">{formatBytes(img.size)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="field-hint">{t('images.prune.sharedHint')}</p>
        </>
      )}
      {prune.error && (
        <p className="img-error" role="alert">
          {prune.error.message}
        </p>
      )}
    </Dialog>
  );
}
