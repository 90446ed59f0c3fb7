import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { ImageSummary } from '../../bridge';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, shortId, timeAgo } from '../../components/format';
import { href, navigate } from '../../app/router';
import { useLanguage, useT } from '../../i18n';
import { useRunDialog } from '../containers/run-dialog-store';
import { BroomIcon, DownloadIcon, PlayIcon, TagIcon, TrashIcon } from '../../components/icons';
import { imageLabel, splitTag } from './reference';
import { RemoveDialog, type RemoveTarget } from './RemoveDialog';
import { TagDialog } from './TagDialog';
import { TransferIndicator } from './TransferIndicator';
import { useImagesUi, type ImageFilter, type SortKey } from './ui-store';

const FILTERS: ImageFilter[] = ['all', 'in-use', 'unused', 'dangling'];

export function matchesFilter(img: ImageSummary, f: ImageFilter): boolean {
  switch (f) {
    case 'all':
      return true;
    case 'in-use':
      return img.inUse;
    case 'unused':
      return !img.inUse;
    case 'dangling':
      return img.dangling;
  }
}

export function matchesSearch(img: ImageSummary, q: string): boolean {
  if (!q) return true;
  const needle = q.toLowerCase();
  return (
    img.id.toLowerCase().includes(needle) ||
    img.repoTags.some((t) => t.toLowerCase().includes(needle)) ||
    img.repoDigests.some((d) => d.toLowerCase().includes(needle))
  );
}

export function sortImages(list: ImageSummary[], sort: { key: SortKey; desc: boolean }): ImageSummary[] {
  const dir = sort.desc ? -1 : 1;
  const cmp = (a: ImageSummary, b: ImageSummary) => {
    switch (sort.key) {
      case 'name':
        return imageLabel(a).localeCompare(imageLabel(b));
      case 'created':
        return a.created - b.created;
      case 'size':
        return a.size - b.size;
    }
  };
  return [...list].sort((a, b) => cmp(a, b) * dir || a.id.localeCompare(b.id));
}

function StatusBadges({ img }: { img: ImageSummary }) {
  const t = useT();
  return (
    <span className="img-badges">
      {img.inUse && (
        <span
          className="badge badge-success"
          title={t('images.usedBy', { count: img.containers, running: img.runningContainers })}
        >
          {t('images.status.inUse')}
        </span>
      )}
      {/* Dangling images are unused unless marked in use; one badge says it. */}
      {img.dangling ? (
        <span className="badge badge-warning">{t('images.status.dangling')}</span>
      ) : (
        !img.inUse && <span className="badge">{t('images.status.unused')}</span>
      )}
    </span>
  );
}

function SortHeader({ k, label, className }: { k: SortKey; label: string; className?: string }) {
  const { sort, sortBy } = useImagesUi();
  const active = sort.key === k;
  return (
    <th className={className} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="img-sort" onClick={() => sortBy(k)}>
        {label}
        <span aria-hidden="true" className="img-sort-mark">
          {active ? (sort.desc ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  );
}

/** #/images: the list with filters, search, sort, keyboard navigation and row actions. */
export function ImageList() {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const { filter, search, sort, setFilter, setSearch, openPull, openPrune } = useImagesUi();
  const images = useBridgeQuery(['images', 'list'], 'images.list', {});
  const [selected, setSelected] = useState<string>();
  const [removing, setRemoving] = useState<RemoveTarget>();
  const [tagging, setTagging] = useState<ImageSummary>();
  const rows = useRef(new Map<string, HTMLTableRowElement>());

  const all = useMemo(() => images.data ?? [], [images.data]);
  const counts = useMemo(
    () => Object.fromEntries(FILTERS.map((f) => [f, all.filter((i) => matchesFilter(i, f)).length])),
    [all],
  ) as Record<ImageFilter, number>;
  const shown = useMemo(
    () =>
      sortImages(
        all.filter((i) => matchesFilter(i, filter) && matchesSearch(i, search.trim())),
        sort,
      ),
    [all, filter, search, sort],
  );
  const totalSize = all.reduce((n, i) => n + i.size, 0);

  const askRemove = (img: ImageSummary) =>
    setRemoving({
      ref: img.id,
      label: imageLabel(img) === '<none>' ? shortId(img.id) : imageLabel(img),
      tags: img.repoTags,
    });

  const focusRow = (id: string) => {
    setSelected(id);
    rows.current.get(id)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTableSectionElement>) => {
    if (shown.length === 0 || (e.target as HTMLElement).tagName !== 'TR') return;
    const index = shown.findIndex((i) => i.id === selected);
    const current = shown[index];
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        focusRow(shown[Math.min(index + 1, shown.length - 1)]!.id);
        break;
      case 'ArrowUp':
        e.preventDefault();
        focusRow(shown[Math.max(index - 1, 0)]!.id);
        break;
      case 'Home':
        e.preventDefault();
        focusRow(shown[0]!.id);
        break;
      case 'End':
        e.preventDefault();
        focusRow(shown[shown.length - 1]!.id);
        break;
      case 'Enter':
        if (current) navigate('images', current.id);
        break;
      case 'Delete':
      case 'Backspace':
        if (current) {
          e.preventDefault();
          askRemove(current);
        }
        break;
    }
  };

  return (
    <section className="page img-page">
      <header className="page-header">
        <h1>{t('images.title')}</h1>
        {images.data && (
          <span className="muted img-summary">
            {t(all.length === 1 ? 'images.summaryOne' : 'images.summary', {
              count: all.length,
              size: formatBytes(totalSize),
            })}
          </span>
        )}
        <TransferIndicator />
        <button type="button" className="btn" onClick={openPrune}>
          <BroomIcon />
          {t('images.action.prune')}
        </button>
        <button type="button" className="btn btn-primary" onClick={() => openPull(undefined)}>
          <DownloadIcon />
          {t('images.action.pull')}
        </button>
      </header>
      <div className="toolbar">
        <div className="segmented" role="group" aria-label={t('images.filter.label')}>
          {FILTERS.map((f) => (
            <button key={f} type="button" aria-pressed={filter === f} onClick={() => setFilter(f)}>
              {t(`images.filter.${f}`)}
              <span className="img-count">{counts[f]}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          className="img-search"
          aria-label={t('images.search')}
          placeholder={t('images.search')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {images.isPending ? (
        <Loading />
      ) : images.isError ? (
        <ErrorState error={images.error} onRetry={() => void images.refetch()} />
      ) : all.length === 0 ? (
        <div className="empty-state card">
          <p>{t('images.empty')}</p>
          <button type="button" className="btn btn-primary" onClick={() => openPull(undefined)}>
            {t('images.action.pull')}
          </button>
        </div>
      ) : (
        <table className="table img-table" aria-label={t('images.title')}>
          <thead>
            <tr>
              <SortHeader k="name" label={t('images.col.repository')} className="img-col-name" />
              <th className="img-col-tag">{t('images.col.tag')}</th>
              <th className="img-col-id">{t('images.col.id')}</th>
              <th className="img-col-status">{t('common.status')}</th>
              <SortHeader k="created" label={t('common.created')} className="img-col-created" />
              <SortHeader k="size" label={t('common.size')} className="img-col-size num" />
              <th className="img-col-actions">
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody onKeyDown={onKeyDown}>
            {shown.length === 0 && (
              <tr>
                <td colSpan={7} className="empty-state">
                  {t('images.noMatch')}
                </td>
              </tr>
            )}
            {shown.map((img) => {
              const label = imageLabel(img);
              const [name, tag] = img.repoTags[0]
                ? splitTag(img.repoTags[0])
                : [img.repoDigests[0]?.split('@')[0] ?? '<none>', undefined];
              const runRef = img.repoTags[0] ?? img.id;
              return (
                <tr
                  key={img.id}
                  ref={(el) => {
                    if (el) rows.current.set(img.id, el);
                    else rows.current.delete(img.id);
                  }}
                  tabIndex={selected === img.id || (!selected && img === shown[0]) ? 0 : -1}
                  aria-selected={selected === img.id}
                  aria-label={label === '<none>' ? shortId(img.id) : label}
                  className={selected === img.id ? 'selected' : undefined}
                  onClick={() => setSelected(img.id)}
                  onFocus={() => setSelected(img.id)}
                  onDoubleClick={() => navigate('images', img.id)}
                >
                  <td className="img-col-name">
                    <a
                      href={href('images', img.id)}
                      className={name === '<none>' ? 'muted' : undefined}
                      tabIndex={-1}
                    >
                      {name}
                    </a>
                  </td>
                  <td className="img-col-tag">
                    {tag ? (
                      <span className="img-tag">{tag}</span>
                    ) : (
                      <span className="muted">&lt;none&gt;</span>
                    )}
                    {img.repoTags.length > 1 && (
                      <span className="badge img-more" title={img.repoTags.slice(1).join('\n')}>
                        +{img.repoTags.length - 1}
                      </span>
                    )}
                  </td>
                  <td className="img-col-id mono muted">{shortId(img.id)}</td>
                  <td className="img-col-status">
                    <StatusBadges img={img} />
                  </td>
                  <td
                    className="img-col-created"
                    title={img.created ? new Date(img.created * 1000).toLocaleString() : ''}
                  >
                    {img.created ? timeAgo(language, img.created) : '—'}
                  </td>
                  <td className="img-col-size num">{formatBytes(img.size)}</td>
                  <td className="img-col-actions">
                    <span className="img-row-actions">
                      <button
                        type="button"
                        className="btn-icon"
                        aria-label={t('images.action.runImage', { image: label })}
                        title={t('images.action.run')}
                        onClick={(e) => {
                          e.stopPropagation();
                          useRunDialog.getState().show(runRef);
                        }}
                      >
                        <PlayIcon />
                      </button>
                      <button
                        type="button"
                        className="btn-icon"
                        aria-label={t('images.action.tagImage', { image: label })}
                        title={t('images.action.tag')}
                        onClick={(e) => {
                          e.stopPropagation();
                          setTagging(img);
                        }}
                      >
                        <TagIcon />
                      </button>
                      <button
                        type="button"
                        className="btn-icon img-danger"
                        aria-label={t('images.action.removeImage', { image: label })}
                        title={t('common.remove')}
                        onClick={(e) => {
                          e.stopPropagation();
                          askRemove(img);
                        }}
                      >
                        <TrashIcon />
                      </button>
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="muted img-keys">{t('images.keysHint')}</p>
      {removing && (
        <RemoveDialog
          target={removing}
          onClose={() => {
            setRemoving(undefined);
            if (selected) rows.current.get(selected)?.focus();
          }}
        />
      )}
      {tagging && (
        <TagDialog
          image={{ id: tagging.id, label: imageLabel(tagging) }}
          suggestion={tagging.repoTags[0] ? splitTag(tagging.repoTags[0])[0] + ':' : undefined}
          onClose={() => setTagging(undefined)}
        />
      )}
    </section>
  );
}
