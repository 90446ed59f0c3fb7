import { useState } from 'react';
import { ConfirmDialog } from '../../components/Dialog';
import { useT } from '../../i18n';
import { useContainerActions } from './actions';

export interface RemoveTarget {
  id: string;
  name: string;
  running: boolean;
}

const SHOWN = 12;

/** Confirms removing containers, listing them; running ones are stopped first (force). */
export function RemoveDialog(props: {
  targets: RemoveTarget[];
  open: boolean;
  onClose(): void;
  onRemoved?(ids: string[]): void;
}) {
  const t = useT();
  const { run, busy } = useContainerActions();
  const [volumes, setVolumes] = useState(false);
  const running = props.targets.filter((c) => c.running).length;
  const names = new Map(props.targets.map((c) => [c.id, c.name]));
  return (
    <ConfirmDialog
      open={props.open}
      title={
        props.targets.length === 1
          ? t('containers.remove.titleOne', { name: props.targets[0]!.name })
          : t('containers.remove.title', { count: props.targets.length })
      }
      confirmLabel={
        props.targets.length === 1
          ? t('containers.action.remove')
          : t('containers.remove.confirm', { count: props.targets.length })
      }
      danger
      busy={busy !== null}
      onClose={props.onClose}
      onConfirm={async () => {
        const ids = props.targets.map((c) => c.id);
        const results = await run('remove', ids, { force: running > 0, volumes, names });
        props.onRemoved?.(results.filter((r) => r.ok).map((r) => r.id));
        props.onClose();
      }}
    >
      <p>
        {props.targets.length === 1
          ? t('containers.remove.bodyOne')
          : t('containers.remove.body', { count: props.targets.length })}
      </p>
      <ul className="ctr-remove-list">
        {props.targets.slice(0, SHOWN).map((c) => (
          <li key={c.id}>
            <strong>{c.name}</strong> <span className="muted mono">{c.id.slice(0, 12)}</span>
            {c.running && <span className="badge badge-success">{t('containers.state.running')}</span>}
          </li>
        ))}
        {props.targets.length > SHOWN && (
          <li className="muted">{t('containers.remove.more', { count: props.targets.length - SHOWN })}</li>
        )}
      </ul>
      {running > 0 && <p className="muted">{t('containers.remove.running', { count: running })}</p>}
      <label className="ctr-check">
        <input type="checkbox" checked={volumes} onChange={(e) => setVolumes(e.target.checked)} />
        {t('containers.remove.volumes')}
      </label>
    </ConfirmDialog>
  );
}
