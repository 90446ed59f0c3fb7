// Browse a container's filesystem (through the engine's archive API), download a file, upload into
// the directory shown.
import { useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call } from '../../bridge';
import { useBridgeQuery } from '../../bridge/hooks';
import { FILE_TRANSFER_LIMIT, type FileEntry } from '../../bridge/contract';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, timeAgo } from '../../components/format';
import { toast } from '../../components/toasts';
import { useLanguage, useT } from '../../i18n';
import { DownloadIcon, FileIcon, FolderIcon, LinkIcon } from '../../components/icons';
import { dateTime } from './ContainerRow';

/** The last directory shown per container, so coming back to the tab lands where you were. */
const lastPath = new Map<string, string>();

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export function parentPath(dir: string): string {
  const i = dir.lastIndexOf('/');
  return i <= 0 ? '/' : dir.slice(0, i);
}

/** "rwxr-xr-x" from permission bits. */
export function modeString(kind: FileEntry['kind'], mode: number): string {
  const type = kind === 'dir' ? 'd' : kind === 'symlink' ? 'l' : kind === 'other' ? '?' : '-';
  let s = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const b = (mode >> shift) & 7;
    s += `${b & 4 ? 'r' : '-'}${b & 2 ? 'w' : '-'}${b & 1 ? 'x' : '-'}`;
  }
  return type + s;
}

function saveBytes(name: string, base64: string) {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes]));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });
}

export function FilesTab({ id }: { id: string }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const qc = useQueryClient();
  const [path, setPathState] = useState(() => lastPath.get(id) ?? '/');
  const [busy, setBusy] = useState<string | null>(null);
  const upload = useRef<HTMLInputElement>(null);
  const setPath = (p: string) => {
    lastPath.set(id, p);
    setPathState(p);
  };
  // Not under the 'containers' root: engine events must not refetch a directory listing.
  const listing = useBridgeQuery(
    ['containerFiles', id, path],
    'containers.files.list',
    { id, path },
    {
      staleTime: 5_000,
    },
  );

  const download = async (p: string) => {
    setBusy(p);
    try {
      const file = await call('containers.files.download', { id, path: p });
      saveBytes(file.name, file.base64);
    } catch (err) {
      toast('error', t('containers.files.downloadFailed', { path: p, error: (err as Error).message }));
    } finally {
      setBusy(null);
    }
  };

  const openEntry = async (e: FileEntry) => {
    const p = joinPath(path, e.name);
    if (e.kind === 'dir') return setPath(p);
    if (e.kind === 'symlink') {
      try {
        const st = await call('containers.files.stat', { id, path: p });
        if (st.targetIsDir && st.linkTarget) return setPath(st.linkTarget);
      } catch (err) {
        toast('error', (err as Error).message);
        return;
      }
    }
    await download(p);
  };

  const onUpload = async (files: FileList | null) => {
    if (!files?.length) return;
    const dir = path;
    setBusy('upload');
    try {
      for (const f of [...files]) {
        if (f.size > FILE_TRANSFER_LIMIT) {
          toast(
            'error',
            t('containers.files.tooBig', { name: f.name, limit: formatBytes(FILE_TRANSFER_LIMIT) }),
          );
          continue;
        }
        await call('containers.files.upload', { id, dir, name: f.name, base64: await readBase64(f) });
        toast('success', t('containers.files.uploaded', { name: f.name, dir }));
      }
    } catch (err) {
      toast('error', t('containers.files.uploadFailed', { error: (err as Error).message }));
    } finally {
      setBusy(null);
      if (upload.current) upload.current.value = '';
      void qc.invalidateQueries({ queryKey: ['containerFiles', id] });
    }
  };

  const parts = path.split('/').filter(Boolean);
  return (
    <div>
      <div className="ctr-files-bar">
        <nav className="ctr-crumbs" aria-label={t('containers.files.path')}>
          <button
            type="button"
            onClick={() => setPath('/')}
            aria-current={path === '/' ? 'location' : undefined}
          >
            /
          </button>
          {parts.map((part, i) => {
            const p = `/${parts.slice(0, i + 1).join('/')}`;
            return (
              <span key={p}>
                <button
                  type="button"
                  onClick={() => setPath(p)}
                  aria-current={p === path ? 'location' : undefined}
                >
                  {part}
                </button>
                {i < parts.length - 1 && <span className="muted">/</span>}
              </span>
            );
          })}
        </nav>
        <button
          type="button"
          className="btn btn-small"
          disabled={path === '/'}
          onClick={() => setPath(parentPath(path))}
        >
          {t('containers.files.up')}
        </button>
        <button type="button" className="btn btn-small" onClick={() => void listing.refetch()}>
          {t('common.refresh')}
        </button>
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={busy === 'upload'}
          onClick={() => upload.current?.click()}
        >
          {busy === 'upload' ? t('containers.files.uploading') : t('containers.files.upload')}
        </button>
        <input
          ref={upload}
          type="file"
          multiple
          hidden
          aria-label={t('containers.files.uploadInto', { dir: path })}
          onChange={(e) => void onUpload(e.target.files)}
        />
      </div>
      {listing.isPending ? (
        <Loading />
      ) : listing.isError ? (
        <ErrorState error={listing.error} onRetry={() => void listing.refetch()} />
      ) : (
        <>
          {listing.data.truncated && (
            <div className="card ctr-note muted">{t('containers.files.truncated')}</div>
          )}
          <table className="table ctr-files-table" aria-label={t('containers.files.listing', { dir: path })}>
            <thead>
              <tr>
                <th>{t('common.name')}</th>
                <th className="num">{t('common.size')}</th>
                <th>{t('containers.files.mode')}</th>
                <th>{t('containers.files.modified')}</th>
                <th>
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {path !== '/' && (
                <tr>
                  <td colSpan={5}>
                    <button
                      type="button"
                      className="ctr-file-name ctr-file-dir"
                      onClick={() => setPath(parentPath(path))}
                    >
                      <FolderIcon />
                      <span>..</span>
                    </button>
                  </td>
                </tr>
              )}
              {listing.data.entries.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    {t('containers.files.empty')}
                  </td>
                </tr>
              )}
              {listing.data.entries.map((e) => (
                <tr key={e.name}>
                  <td>
                    <button
                      type="button"
                      className={`ctr-file-name${e.kind === 'dir' ? ' ctr-file-dir' : ''}`}
                      aria-label={
                        e.kind === 'dir'
                          ? t('containers.files.openDir', { name: e.name })
                          : e.kind === 'symlink'
                            ? t('containers.files.openLink', { name: e.name })
                            : undefined
                      }
                      onClick={() => void openEntry(e)}
                    >
                      {e.kind === 'dir' ? <FolderIcon /> : e.kind === 'symlink' ? <LinkIcon /> : <FileIcon />}
                      <span>{e.name}</span>
                    </button>
                    {e.linkTarget && <span className="ctr-link-target mono">→ {e.linkTarget}</span>}
                  </td>
                  <td className="num">{e.kind === 'symlink' ? '' : formatBytes(e.size)}</td>
                  <td className="mono">{modeString(e.kind, e.mode)}</td>
                  <td title={e.mtime ? dateTime(e.mtime) : undefined}>
                    {e.mtime ? timeAgo(language, e.mtime) : ''}
                  </td>
                  <td>
                    {e.kind !== 'other' && (
                      <button
                        type="button"
                        className="btn-icon"
                        disabled={busy === joinPath(path, e.name)}
                        aria-label={t('containers.files.download', { name: e.name })}
                        title={e.kind === 'dir' ? t('containers.files.downloadTar') : undefined}
                        onClick={() => void download(joinPath(path, e.name))}
                      >
                        <DownloadIcon />
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
