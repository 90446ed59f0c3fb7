import { useState } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import { href, navigate } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, timeAgo } from '../../components/format';
import { useLanguage, useT } from '../../i18n';
import { FileBrowser } from './FileBrowser';
import { RemoveVolumeDialog } from './RemoveVolumeDialog';
import { exportVolume } from './VolumeList';
import { useVolumesUi } from './ui-store';

function Pairs({ pairs }: { pairs: Record<string, string> }) {
  const t = useT();
  const entries = Object.entries(pairs);
  if (entries.length === 0) return <span className="muted">{t('common.none')}</span>;
  return (
    <span className="vol-pairs">
      {entries.map(([k, v]) => (
        <code key={k} className="badge">
          {k}
          {v ? `=${v}` : ''}
        </code>
      ))}
    </span>
  );
}

/** #/volumes/<name>[/files/<path…>]: what the volume is, who uses it, and its files. */
export function VolumeDetails({ name, path }: { name: string; path: string }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const query = useBridgeQuery(['volumes', 'inspect', name], 'volumes.inspect', { name });
  const openDialog = useVolumesUi((s) => s.open);
  const [removing, setRemoving] = useState(false);
  const v = query.data;
  return (
    <section className="page vol-page">
      <nav className="vol-back">
        <a href={href('volumes')}>← {t('volumes.title')}</a>
      </nav>
      <header className="page-header">
        <h1 className="vol-title" title={name}>
          {name}
        </h1>
        <button type="button" className="btn" disabled={!v} onClick={() => void exportVolume(name, t)}>
          {t('volumes.export')}
        </button>
        <button type="button" className="btn" disabled={!v} onClick={() => openDialog('import', name)}>
          {t('volumes.import')}
        </button>
        <button type="button" className="btn btn-danger" disabled={!v} onClick={() => setRemoving(true)}>
          {t('common.remove')}
        </button>
      </header>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <div className="vol-details">
            <dl className="card vol-facts">
              <dt>{t('common.size')}</dt>
              <dd>{v!.size === null ? '—' : formatBytes(v!.size)}</dd>
              <dt>{t('volumes.driver')}</dt>
              <dd>
                {v!.driver} <span className="muted">({v!.scope})</span>
              </dd>
              <dt>{t('common.created')}</dt>
              <dd title={v!.createdAt ?? ''}>
                {v!.createdAt ? timeAgo(language, Date.parse(v!.createdAt)) : '—'}
              </dd>
              <dt>{t('volumes.mountpoint')}</dt>
              <dd className="mono vol-mountpoint">{v!.mountpoint || '—'}</dd>
              <dt>{t('volumes.labels')}</dt>
              <dd>
                <Pairs pairs={v!.labels} />
              </dd>
              <dt>{t('volumes.options')}</dt>
              <dd>
                <Pairs pairs={v!.options} />
              </dd>
            </dl>
            <section className="card vol-users-card" aria-label={t('volumes.usedBy')}>
              <h2>{t('volumes.usedBy')}</h2>
              {v!.users.length === 0 ? (
                <p className="muted">{t('volumes.noUsers')}</p>
              ) : (
                <ul className="vol-user-list">
                  {v!.users.map((u) => (
                    <li key={u.id}>
                      <span className={u.running ? 'status-dot up' : 'status-dot'} aria-hidden="true" />
                      <a href={href('containers', u.id, 'inspect')}>{u.name}</a>
                      <span className="muted mono">{u.destination}</span>
                      {u.readOnly && <span className="badge">{t('volumes.readOnly')}</span>}
                      <span className="badge">{u.state}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <FileBrowser name={name} path={path} />
        </>
      )}
      {removing && v && (
        <RemoveVolumeDialog
          volume={v}
          onClose={() => setRemoving(false)}
          onRemoved={() => navigate('volumes')}
        />
      )}
    </section>
  );
}
