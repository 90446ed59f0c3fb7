import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { VolumeEntry } from '../../bridge';
import { href, navigate } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, timeAgo } from '../../components/format';
import { toast } from '../../components/toasts';
import { useLanguage, useT } from '../../i18n';
import { downloadFromVolume, TransferCancelled } from './transfer';
import { FileIcon, FolderIcon, LinkIcon, OtherIcon } from '../../components/icons';

const ICON: Record<VolumeEntry['type'], () => ReactNode> = {
  directory: FolderIcon,
  file: FileIcon,
  symlink: LinkIcon,
  other: OtherIcon,
};

function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

/** rwxr-xr-x */
export function modeString(mode: number): string {
  const bits = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}

/**
 * One directory of a volume, read through a helper container (see electron/backend/volumes). Its query
 * key is not under 'volumes' on purpose: each listing creates and removes a helper container, whose
 * events must not trigger another listing.
 */
export function FileBrowser({ name, path }: { name: string; path: string }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const query = useBridgeQuery(['volume-files', name, path], 'volumes.browse', { name, path });
  const [focused, setFocused] = useState(0);
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);
  const parts = segments(path);
  const entries = query.data?.entries ?? [];
  useEffect(() => setFocused(0), [path]);

  const open = (e: VolumeEntry) => {
    if (e.type === 'directory') navigate('volumes', name, 'files', ...segments(e.path));
    else if (e.type === 'file') void download(e.path, 'file');
  };
  const download = async (p: string, format: 'file' | 'tar') => {
    try {
      const { fileName, bytes } = await downloadFromVolume(name, p, format);
      toast('success', t('volumes.downloaded', { file: fileName, size: formatBytes(bytes) }));
    } catch (err) {
      if (!(err instanceof TransferCancelled)) toast('error', (err as Error).message);
    }
  };
  const up = () => {
    if (parts.length) navigate('volumes', name, 'files', ...parts.slice(0, -1));
  };
  const focusRow = (i: number) => {
    const next = Math.max(0, Math.min(entries.length - 1, i));
    setFocused(next);
    rows.current[next]?.focus();
  };
  const onKey = (ev: KeyboardEvent<HTMLTableSectionElement>) => {
    const e = entries[focused];
    if (ev.key === 'ArrowDown') focusRow(focused + 1);
    else if (ev.key === 'ArrowUp') focusRow(focused - 1);
    else if (ev.key === 'Enter' && e && ev.target === rows.current[focused]) open(e);
    else if (ev.key === 'Backspace') up();
    else return;
    ev.preventDefault();
  };

  return (
    <section className="card vol-files" aria-label={t('volumes.files')}>
      <header className="vol-files-header">
        <h2>{t('volumes.files')}</h2>
        <nav className="vol-crumbs" aria-label={t('volumes.files.path')}>
          <a href={href('volumes', name, 'files')}>{t('volumes.files.root')}</a>
          {parts.map((seg, i) => (
            <span key={i}>
              <span className="muted" aria-hidden="true">
                /
              </span>
              <a
                href={href('volumes', name, 'files', ...parts.slice(0, i + 1))}
                aria-current={i === parts.length - 1 ? 'page' : undefined}
              >
                {seg}
              </a>
            </span>
          ))}
        </nav>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => void download(path, 'tar')}
          aria-label={t('volumes.files.downloadDir', { path })}
        >
          {t('volumes.files.downloadTar')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => void query.refetch()}>
          {t('common.refresh')}
        </button>
      </header>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          {query.data.truncated && <p className="banner banner-warning">{t('volumes.files.truncated')}</p>}
          <table className="table vol-files-table" aria-label={t('volumes.files.of', { path })}>
            <thead>
              <tr>
                <th>{t('common.name')}</th>
                <th className="num">{t('common.size')}</th>
                <th>{t('volumes.files.mode')}</th>
                <th>{t('volumes.files.modified')}</th>
                <th className="actions">
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody onKeyDown={onKey}>
              {parts.length > 0 && (
                <tr>
                  <td colSpan={5}>
                    <a href={href('volumes', name, 'files', ...parts.slice(0, -1))}>
                      <span aria-hidden="true">↩ </span>
                      {t('volumes.files.up')}
                    </a>
                  </td>
                </tr>
              )}
              {entries.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    {t('volumes.files.empty')}
                  </td>
                </tr>
              )}
              {entries.map((e, i) => (
                <tr
                  key={e.name}
                  ref={(el) => {
                    rows.current[i] = el;
                  }}
                  tabIndex={i === focused ? 0 : -1}
                  aria-label={e.name}
                  onFocus={() => setFocused(i)}
                  onDoubleClick={() => open(e)}
                >
                  <td className="vol-file-name">
                    <span className={`vol-file-icon vol-file-${e.type}`}>{ICON[e.type]()}</span>
                    {e.type === 'directory' ? (
                      <a href={href('volumes', name, 'files', ...segments(e.path))} tabIndex={-1}>
                        {e.name}
                      </a>
                    ) : (
                      <span>{e.name}</span>
                    )}
                    {e.linkTarget && <span className="muted"> → {e.linkTarget}</span>}
                  </td>
                  <td className="num">{e.type === 'symlink' ? '' : formatBytes(e.size)}</td>
                  <td className="mono muted">{modeString(e.mode)}</td>
                  <td className="muted">{e.mtime ? timeAgo(language, e.mtime) : '—'}</td>
                  <td className="actions">
                    {e.type === 'file' && (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={t('volumes.files.downloadOf', { name: e.name })}
                        onClick={() => void download(e.path, 'file')}
                      >
                        {t('volumes.files.download')}
                      </button>
                    )}
                    {e.type === 'directory' && (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={t('volumes.files.downloadDir', { path: e.path })}
                        onClick={() => void download(e.path, 'tar')}
                      >
                        {t('volumes.files.downloadTar')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
