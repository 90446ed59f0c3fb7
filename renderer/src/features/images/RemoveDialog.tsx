import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog';
import { toast } from '../../components/toasts';
import { shortId } from '../../components/format';
import { useBridgeMutation } from '../../bridge/hooks';
import { useT, type MessageKey } from '../../i18n';

export interface RemoveTarget {
  /** What to remove: an image id (the whole image) or one of its tags (just that tag). */
  ref: string;
  label: string;
  /** Tags that go with it (for an id). */
  tags: string[];
}

/** Why the engine refused, in words, from its 409 message. */
export function explainConflict(message: string): {
  key: MessageKey;
  container?: string;
  forceHelps: boolean;
} {
  const container = /container ([0-9a-f]{12,64})/.exec(message)?.[1]?.slice(0, 12);
  if (/cannot be forced/.test(message) || /running container/.test(message))
    return { key: 'images.remove.conflictRunning', container, forceHelps: !/cannot be forced/.test(message) };
  if (/multiple repositories/.test(message)) return { key: 'images.remove.conflictTags', forceHelps: true };
  if (/stopped container/.test(message))
    return { key: 'images.remove.conflictStopped', container, forceHelps: true };
  if (/must force|is using its referenced image/.test(message))
    return { key: 'images.remove.conflictReference', container, forceHelps: true };
  return { key: 'images.remove.conflictOther', forceHelps: true };
}

/** Confirms a removal; on a conflict explains it and offers Force when force can help. */
export function RemoveDialog({
  target,
  onClose,
  onRemoved,
}: {
  target: RemoveTarget;
  onClose(): void;
  onRemoved?(): void;
}) {
  const t = useT();
  const remove = useBridgeMutation('images.remove', [['images'], ['disk']]);
  const [conflict, setConflict] = useState<string>();
  const run = async (force: boolean) => {
    try {
      const r = await remove.mutateAsync({ id: target.ref, force });
      toast(
        'success',
        r.deleted.length
          ? t('images.remove.done', { image: target.label })
          : t('images.remove.untagged', { image: target.label }),
      );
      onRemoved?.();
      onClose();
    } catch (err) {
      const e = err as { status?: number; message: string };
      if (e.status === 409) setConflict(e.message);
    }
  };
  const explained = conflict ? explainConflict(conflict) : undefined;
  const isTag = !target.ref.startsWith('sha256:');
  return (
    <ConfirmDialog
      title={isTag ? t('images.remove.titleTag') : t('images.remove.title')}
      open
      danger
      busy={remove.isPending || (explained && !explained.forceHelps)}
      confirmLabel={conflict ? t('images.remove.force') : t('common.remove')}
      onConfirm={() => void run(Boolean(conflict))}
      onClose={onClose}
    >
      <p>
        {isTag
          ? t('images.remove.confirmTag', { tag: target.label })
          : t('images.remove.confirm', { image: target.label })}
      </p>
      {!isTag && target.tags.length > 1 && (
        <ul className="img-tag-list">
          {target.tags.map((tag) => (
            <li key={tag} className="mono">
              {tag}
            </li>
          ))}
        </ul>
      )}
      {explained && (
        <div className="img-conflict" role="alert">
          <strong>{t('images.remove.conflictTitle')}</strong>
          <p>{t(explained.key, { container: explained.container ?? '' })}</p>
          <pre className="img-engine-message">{conflict}</pre>
          <p className="muted">
            {explained.forceHelps ? t('images.remove.forceHint') : t('images.remove.noForceHint')}
          </p>
        </div>
      )}
      {remove.error && remove.error.status !== 409 && (
        <p className="img-error" role="alert">
          {remove.error.message}
        </p>
      )}
      {target.ref.startsWith('sha256:') && <p className="muted mono">{shortId(target.ref)}</p>}
    </ConfirmDialog>
  );
}
