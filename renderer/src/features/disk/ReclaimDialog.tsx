import { useState } from 'react';
import { useBridgeMutation, useBridgeQuery } from '../../bridge/hooks';
import type { ReclaimItem, ReclaimPlan } from '../../bridge';
import { Dialog } from '../../components/Dialog';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, shortId } from '../../components/format';
import { toast } from '../../components/toasts';
import { useT, type MessageKey } from '../../i18n';

export interface ReclaimChoices {
  containers: boolean;
  danglingImages: boolean;
  unusedImages: boolean;
  volumes: boolean;
  buildCache: boolean;
}

/** What is safe by default; unused tagged images and volumes (data!) only when ticked. */
export const SAFE_CHOICES: ReclaimChoices = {
  containers: true,
  danglingImages: true,
  unusedImages: false,
  volumes: false,
  buildCache: true,
};

const OPTIONS: { key: keyof ReclaimChoices; label: MessageKey; hint?: MessageKey }[] = [
  { key: 'containers', label: 'disk.reclaim.containers' },
  { key: 'danglingImages', label: 'disk.reclaim.dangling' },
  { key: 'unusedImages', label: 'disk.reclaim.unusedImages', hint: 'disk.reclaim.unusedImagesHint' },
  { key: 'volumes', label: 'disk.reclaim.volumes', hint: 'disk.reclaim.volumesHint' },
  { key: 'buildCache', label: 'disk.reclaim.buildCache' },
];

const GROUPS: { key: keyof Omit<ReclaimPlan, 'space'>; label: MessageKey }[] = [
  { key: 'containers', label: 'disk.kind.containers' },
  { key: 'images', label: 'disk.kind.images' },
  { key: 'volumes', label: 'disk.kind.volumes' },
  { key: 'buildCache', label: 'disk.kind.buildCache' },
];

function itemLabel(group: string, item: ReclaimItem): string {
  if (group === 'images' && item.name === '<none>:<none>') return `<none> ${shortId(item.id)}`;
  return item.name;
}

/**
 * One-click reclaim with a confirmation: the choices, then exactly what goes (item by item, from the
 * engine's current state) and how much space returns. Confirming removes those items and nothing else.
 */
export function ReclaimDialog({ onClose }: { onClose(): void }) {
  const t = useT();
  const [choices, setChoices] = useState<ReclaimChoices>(SAFE_CHOICES);
  const preview = useBridgeQuery(['disk', 'reclaim-preview', choices], 'disk.reclaimPreview', choices);
  const reclaim = useBridgeMutation('disk.reclaim', [['disk'], ['containers'], ['images'], ['volumes']]);
  const plan = preview.data;
  const count = plan ? GROUPS.reduce((n, g) => n + plan[g.key].length, 0) : 0;

  const confirm = () => {
    if (!plan) return;
    reclaim.mutate(
      {
        containers: plan.containers.map((i) => i.id),
        images: plan.images.map((i) => i.id),
        volumes: plan.volumes.map((i) => i.id),
        buildCache: plan.buildCache.map((i) => i.id),
      },
      {
        onSuccess: (r) => {
          const removed = Object.values(r.removed).reduce((n, l) => n + l.length, 0);
          toast('success', t('disk.reclaim.done', { count: removed, size: formatBytes(r.spaceReclaimed) }));
          if (r.failed.length) {
            toast(
              'error',
              t('disk.reclaim.failed', {
                items: r.failed.map((f) => `${shortId(f.id)}: ${f.message}`).join('; '),
              }),
            );
          }
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title={t('disk.reclaim.title')}
      open
      wide
      onClose={onClose}
      footer={
        <>
          <span className="disk-reclaim-total" aria-live="polite">
            {plan && count > 0 ? t('disk.reclaim.total', { count, size: formatBytes(plan.space) }) : ''}
          </span>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={!plan || count === 0 || reclaim.isPending || preview.isFetching}
            onClick={confirm}
          >
            {reclaim.isPending
              ? t('disk.reclaim.busy')
              : t('disk.reclaim.confirm', { size: formatBytes(plan?.space ?? 0) })}
          </button>
        </>
      }
    >
      <fieldset className="disk-choices">
        <legend>{t('disk.reclaim.what')}</legend>
        {OPTIONS.map((o) => (
          <label key={o.key} className="disk-check">
            <input
              type="checkbox"
              checked={choices[o.key]}
              onChange={(e) => setChoices((c) => ({ ...c, [o.key]: e.target.checked }))}
            />
            <span>
              {t(o.label)}
              {o.hint && <span className="muted disk-check-hint"> — {t(o.hint)}</span>}
            </span>
          </label>
        ))}
      </fieldset>
      {preview.isPending ? (
        <Loading />
      ) : preview.isError ? (
        <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
      ) : count === 0 ? (
        <p className="empty-state">{t('disk.reclaim.nothing')}</p>
      ) : (
        <div className="disk-plan" aria-label={t('disk.reclaim.list')} role="region">
          {GROUPS.filter((g) => plan![g.key].length > 0).map((g) => {
            const items = plan![g.key];
            return (
              <section key={g.key} className="disk-plan-group">
                <h3>
                  <span className={`disk-swatch disk-kind-${g.key}`} aria-hidden="true" />
                  {t(g.label)} ({items.length})
                  <span className="muted">{formatBytes(items.reduce((n, i) => n + i.size, 0))}</span>
                </h3>
                <ul>
                  {items.map((i) => (
                    <li key={i.id}>
                      <span className="mono" title={i.id}>
                        {itemLabel(g.key, i)}
                      </span>
                      <span className="muted">{formatBytes(i.size)}</span>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
      {reclaim.error && (
        <p className="error-message" role="alert">
          {reclaim.error.message}
        </p>
      )}
    </Dialog>
  );
}
