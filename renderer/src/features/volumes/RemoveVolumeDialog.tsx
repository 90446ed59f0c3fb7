import { useEffect } from 'react';
import { useBridgeMutation } from '../../bridge/hooks';
import type { VolumeInfo } from '../../bridge';
import { href } from '../../app/router';
import { ConfirmDialog } from '../../components/Dialog';
import { formatBytes } from '../../components/format';
import { toast } from '../../components/toasts';
import { useT } from '../../i18n';

/** Asks before removing a volume; one in use cannot go, and the dialog says which containers hold it. */
export function RemoveVolumeDialog({
  volume,
  onClose,
  onRemoved,
}: {
  volume: VolumeInfo | null;
  onClose(): void;
  onRemoved?(): void;
}) {
  const t = useT();
  const remove = useBridgeMutation('volumes.remove', [['volumes'], ['disk']]);
  const reset = remove.reset;
  useEffect(() => reset(), [volume?.name, reset]);
  if (!volume) return null;
  const inUse = volume.users.length > 0;
  const conflict = remove.error?.status === 409;
  return (
    <ConfirmDialog
      title={t('volumes.remove.title', { name: volume.name })}
      open
      danger
      busy={remove.isPending || inUse}
      confirmLabel={t('common.remove')}
      onClose={onClose}
      onConfirm={() =>
        remove.mutate(
          { name: volume.name },
          {
            onSuccess: () => {
              toast('success', t('volumes.removed', { name: volume.name }));
              onClose();
              onRemoved?.();
            },
          },
        )
      }
    >
      {inUse || conflict ? (
        <div className="vol-conflict" role="alert">
          <p>{t('volumes.remove.inUse', { count: volume.users.length })}</p>
          {volume.users.length > 0 && (
            <ul>
              {volume.users.map((u) => (
                <li key={u.id}>
                  <a href={href('containers', u.id, 'inspect')} onClick={onClose}>
                    {u.name}
                  </a>{' '}
                  <span className="muted">
                    {u.state} · {u.destination}
                  </span>
                </li>
              ))}
            </ul>
          )}
          {conflict && <p className="error-message">{remove.error?.message}</p>}
        </div>
      ) : (
        <p>
          {t('volumes.remove.body', {
            name: volume.name,
            size: volume.size === null ? '—' : formatBytes(volume.size),
          })}
        </p>
      )}
      {remove.error && !conflict && (
        <p className="error-message" role="alert">
          {remove.error.message}
        </p>
      )}
    </ConfirmDialog>
  );
}
