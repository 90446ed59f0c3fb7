import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { VolumeInfo } from '../../bridge';
import { href, navigate } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, timeAgo } from '../../components/format';
import { toast } from '../../components/toasts';
import { useLanguage, useT } from '../../i18n';
import { RemoveVolumeDialog } from './RemoveVolumeDialog';
import { downloadFromVolume, TransferCancelled } from './transfer';
import { useVolumesUi } from './ui-store';
import { TrashIcon } from '../../components/icons';

type Filter = 'all' | 'used' | 'unused';

/** Long random names of anonymous volumes, shortened for the table (the full one is in the title). */
export function displayName(v: Pick<VolumeInfo, 'name' | 'anonymous'>): string {
  return v.anonymous && v.name.length > 24 ? `${v.name.slice(0, 12)}…` : v.name;
}

export async function exportVolume(name: string, t: ReturnType<typeof useT>): Promise<void> {
  try {
    const { fileName, bytes } = await downloadFromVolume(name, '/', 'tar');
    toast('success', t('volumes.exported', { file: fileName, size: formatBytes(bytes) }));
  } catch (err) {
    if (!(err instanceof TransferCancelled)) toast('error', (err as Error).message);
  }
}

export function UsersCell({ volume }: { volume: VolumeInfo }) {
  const t = useT();
  if (volume.users.length === 0) return <span className="badge">{t('volumes.unused')}</span>;
  return (
    <span className="vol-users">
      {volume.users.map((u) => (
        <a
          key={u.id}
          href={href('containers', u.id, 'inspect')}
          className="vol-user"
          title={t('volumes.userTitle', { name: u.name, path: u.destination, state: u.state })}
        >
          <span className={u.running ? 'status-dot up' : 'status-dot'} aria-hidden="true" />
          {u.name}
        </a>
      ))}
    </span>
  );
}

/** #/volumes */
export function VolumeList() {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const query = useBridgeQuery(['volumes', 'list'], 'volumes.list', {});
  const openDialog = useVolumesUi((s) => s.open);
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [focused, setFocused] = useState(0);
  const [removing, setRemoving] = useState<VolumeInfo | null>(null);
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);

  const volumes = useMemo(() => {
    const q = search.trim().toLowerCase();
    return (query.data ?? []).filter(
      (v) =>
        (filter === 'all' || (filter === 'used') === v.users.length > 0) &&
        (!q ||
          v.name.toLowerCase().includes(q) ||
          v.driver.toLowerCase().includes(q) ||
          v.users.some((u) => u.name.toLowerCase().includes(q))),
    );
  }, [query.data, search, filter]);
  const totalSize = volumes.reduce((n, v) => n + (v.size ?? 0), 0);

  const focusRow = (i: number) => {
    const next = Math.max(0, Math.min(volumes.length - 1, i));
    setFocused(next);
    rows.current[next]?.focus();
  };
  const onKey = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    const v = volumes[focused];
    if (e.key === 'ArrowDown') focusRow(focused + 1);
    else if (e.key === 'ArrowUp') focusRow(focused - 1);
    else if (e.key === 'Home') focusRow(0);
    else if (e.key === 'End') focusRow(volumes.length - 1);
    else if (e.key === 'Enter' && v && e.target === rows.current[focused]) navigate('volumes', v.name);
    else if (e.key === 'Delete' && v) setRemoving(v);
    else return;
    e.preventDefault();
  };

  return (
    <section className="page vol-page">
      <header className="page-header">
        <h1>{t('volumes.title')}</h1>
        <button type="button" className="btn" onClick={() => openDialog('prune')}>
          {t('volumes.prune')}
        </button>
        <button type="button" className="btn" onClick={() => openDialog('import')}>
          {t('volumes.import')}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => openDialog('create')}>
          {t('volumes.create')}
        </button>
      </header>
      <div className="toolbar">
        <input
          type="search"
          aria-label={t('volumes.search')}
          placeholder={t('volumes.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <div className="segmented" role="group" aria-label={t('volumes.filter')}>
          {(['all', 'used', 'unused'] as const).map((f) => (
            <button key={f} type="button" aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {t(`volumes.filter.${f}`)}
            </button>
          ))}
        </div>
        {query.data && (
          <span className="muted vol-count">
            {t('volumes.count', { count: volumes.length, size: formatBytes(totalSize) })}
          </span>
        )}
      </div>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <div className="empty-state card">
          <p>{t('volumes.empty')}</p>
          <button type="button" className="btn btn-primary" onClick={() => openDialog('create')}>
            {t('volumes.create')}
          </button>
        </div>
      ) : volumes.length === 0 ? (
        <div className="empty-state card">{t('volumes.noMatch')}</div>
      ) : (
        <table className="table vol-table" aria-label={t('volumes.title')}>
          <thead>
            <tr>
              <th>{t('common.name')}</th>
              <th>{t('volumes.driver')}</th>
              <th className="num">{t('common.size')}</th>
              <th>{t('volumes.usedBy')}</th>
              <th>{t('common.created')}</th>
              <th className="actions">
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody onKeyDown={onKey}>
            {volumes.map((v, i) => (
              <tr
                key={v.name}
                ref={(el) => {
                  rows.current[i] = el;
                }}
                tabIndex={i === focused ? 0 : -1}
                aria-label={v.name}
                onFocus={() => setFocused(i)}
                className={i === focused ? 'focused' : undefined}
              >
                <td className="vol-name">
                  <a href={href('volumes', v.name)} title={v.name} tabIndex={-1}>
                    {displayName(v)}
                  </a>
                  {v.anonymous && <span className="badge">{t('volumes.anonymous')}</span>}
                </td>
                <td>{v.driver}</td>
                <td className="num">{v.size === null ? '—' : formatBytes(v.size)}</td>
                <td>
                  <UsersCell volume={v} />
                </td>
                <td className="muted">{v.createdAt ? timeAgo(language, Date.parse(v.createdAt)) : '—'}</td>
                <td className="actions">
                  <a
                    className="btn btn-small"
                    href={href('volumes', v.name, 'files')}
                    aria-label={t('volumes.browseOf', { name: v.name })}
                  >
                    {t('volumes.browse')}
                  </a>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={t('volumes.exportOf', { name: v.name })}
                    onClick={() => void exportVolume(v.name, t)}
                  >
                    {t('volumes.export')}
                  </button>
                  <button
                    type="button"
                    className="btn-icon vol-remove"
                    aria-label={t('volumes.removeOf', { name: v.name })}
                    title={t('common.remove')}
                    onClick={() => setRemoving(v)}
                  >
                    <TrashIcon />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RemoveVolumeDialog volume={removing} onClose={() => setRemoving(null)} />
    </section>
  );
}
