// #/containers: every container, virtualized (thousands of rows stay smooth), grouped by Compose
// project, with search, filter, a sort that persists, multi-select and bulk actions, and keyboard
// navigation (arrows, Shift+arrows, Space, Enter, Delete, Ctrl+A, Escape).
import {
  useCallback,
  useDeferredValue,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useBridgeQuery } from '../../bridge/hooks';
import type { ContainerSummary } from '../../bridge/contract';
import { navigate } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { useT, type MessageKey } from '../../i18n';
import { useContainerActions, type BulkAction } from './actions';
import { ContainerRow, type RowHandlers, type Selection } from './ContainerRow';
import { buildRows, isRunning, rowContainers, type Row, type SortKey, type StatusFilter } from './list-model';
import { useListPrefs } from './list-prefs';
import { RemoveDialog, type RemoveTarget } from './RemoveDialog';
import { useRunDialog } from './run-dialog-store';
import { useListStats } from './stats-history';
import { PauseIcon, PlayIcon, RestartIcon, StopIcon, TrashIcon } from '../../components/icons';
import './containers.css';

export const ROW_HEIGHT = 44;
const HEAD_HEIGHT = 36;
/** More than the rows ever rendered at once (viewport + overscan), so slot keys never collide. */
const ROW_SLOTS = 256;

const SORTABLE: { key: SortKey; label: MessageKey; className: string }[] = [
  { key: 'name', label: 'common.name', className: 'ctr-name-cell' },
  { key: 'status', label: 'common.status', className: 'ctr-status' },
  { key: 'image', label: 'containers.col.image', className: 'ctr-image' },
];

const FILTERS: { key: StatusFilter; label: MessageKey }[] = [
  { key: 'all', label: 'containers.filter.all' },
  { key: 'running', label: 'containers.filter.running' },
  { key: 'stopped', label: 'containers.filter.stopped' },
];

const toTarget = (c: ContainerSummary): RemoveTarget => ({ id: c.id, name: c.name, running: isRunning(c) });

export function ContainerList() {
  const t = useT();
  const list = useBridgeQuery(['containers', 'list'], 'containers.list', {});
  const { sort, dir, filter, collapsed, sortBy, setFilter, toggleGroup } = useListPrefs();
  const [search, setSearch] = useState('');
  const query = useDeferredValue(search);
  const all = list.data;
  const rows = useMemo(
    () => buildRows(all ?? [], query, { sort, dir, filter, collapsed }),
    [all, query, sort, dir, filter, collapsed],
  );
  const byId = useMemo(() => new Map((all ?? []).map((c) => [c.id, c])), [all]);

  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const selectedList = useMemo(
    () => [...selected].map((id) => byId.get(id)).filter((c): c is ContainerSummary => !!c),
    [selected, byId],
  );
  const [active, setActive] = useState(0);
  const anchor = useRef<number | null>(null);
  const [removing, setRemoving] = useState<RemoveTarget[] | null>(null);
  const { run, busy } = useContainerActions();
  const gridRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 4,
    scrollMargin: HEAD_HEIGHT,
    scrollPaddingStart: HEAD_HEIGHT,
    // Stable per row list: a new function would make the virtualizer re-measure every row on each render.
    getItemKey: useCallback((i: number) => rows[i]?.key ?? i, [rows]),
  });
  const items = virtualizer.getVirtualItems();

  useEffect(() => {
    if (active >= rows.length && rows.length > 0) setActive(rows.length - 1);
  }, [rows.length, active]);

  // Sparklines: stats only for the running containers on screen.
  const visibleRunning = items
    .map((vi) => rows[vi.index])
    .filter(
      (r): r is Extract<Row, { kind: 'container' }> => r?.kind === 'container' && r.c.state === 'running',
    )
    .map((r) => r.c.id);
  useListStats(visibleRunning);

  const selectionOf = (row: Row): Selection => {
    const members = rowContainers(row);
    const n = members.filter((c) => selected.has(c.id)).length;
    return n === 0 ? 'none' : n === members.length ? 'all' : 'some';
  };

  const addRange = (from: number, to: number, base: ReadonlySet<string>) => {
    const next = new Set(base);
    for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
      const row = rows[i];
      if (row) for (const c of rowContainers(row)) next.add(c.id);
    }
    return next;
  };
  const toggleRow = (index: number) => {
    const row = rows[index];
    if (!row) return;
    const members = rowContainers(row);
    const next = new Set(selected);
    if (selectionOf(row) === 'all') for (const c of members) next.delete(c.id);
    else for (const c of members) next.add(c.id);
    setSelected(next);
  };
  const moveTo = (index: number, extend: boolean) => {
    const i = Math.max(0, Math.min(rows.length - 1, index));
    if (extend) {
      anchor.current ??= active;
      setSelected(addRange(anchor.current, i, selected));
    } else anchor.current = i;
    setActive(i);
    virtualizer.scrollToIndex(i, { align: 'auto' });
  };
  const open = (id: string) => navigate('containers', id, 'logs');

  // Handlers stay the same object across renders (rows are memoized); they read the latest state.
  const latest = useRef({ rows, selected, toggleRow, addRange, run, byId });
  latest.current = { rows, selected, toggleRow, addRange, run, byId };
  const handlers = useMemo<RowHandlers>(
    () => ({
      onRowClick(index, e) {
        const l = latest.current;
        setActive(index);
        if (e.shiftKey && anchor.current !== null) setSelected(l.addRange(anchor.current, index, l.selected));
        else {
          if (e.ctrlKey || e.metaKey) l.toggleRow(index);
          anchor.current = index;
        }
        gridRef.current?.focus({ preventScroll: true });
      },
      onCheck(index, shift) {
        const l = latest.current;
        setActive(index);
        if (shift && anchor.current !== null) setSelected(l.addRange(anchor.current, index, l.selected));
        else l.toggleRow(index);
        anchor.current = index;
      },
      onToggleGroup: (project) => toggleGroup(project),
      onOpen: open,
      onStartStop(c) {
        void latest.current.run(isRunning(c) ? 'stop' : 'start', [c.id], {
          names: new Map([[c.id, c.name]]),
        });
      },
      onGroupStartStop(containers) {
        const anyRunning = containers.some(isRunning);
        const ids = containers.filter((c) => isRunning(c) === anyRunning).map((c) => c.id);
        void latest.current.run(anyRunning ? 'stop' : 'start', ids, {
          names: new Map(containers.map((c) => [c.id, c.name])),
        });
      },
      onRemove(containers) {
        setRemoving(containers.map(toTarget));
      },
    }),
    [toggleGroup],
  );

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const onGrid = e.target === e.currentTarget;
    const row = rows[active];
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        moveTo(active + 1, e.shiftKey);
        break;
      case 'ArrowUp':
        e.preventDefault();
        moveTo(active - 1, e.shiftKey);
        break;
      case 'PageDown':
      case 'PageUp': {
        e.preventDefault();
        const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
        moveTo(active + (e.key === 'PageDown' ? page : -page), e.shiftKey);
        break;
      }
      case 'Home':
        e.preventDefault();
        moveTo(0, e.shiftKey);
        break;
      case 'End':
        e.preventDefault();
        moveTo(rows.length - 1, e.shiftKey);
        break;
      case 'ArrowLeft':
      case 'ArrowRight':
        if (row?.kind === 'group' && row.collapsed === (e.key === 'ArrowRight')) {
          e.preventDefault();
          toggleGroup(row.project);
        }
        break;
      case ' ':
        if (!onGrid) return;
        e.preventDefault();
        toggleRow(active);
        anchor.current = active;
        break;
      case 'Enter':
        if (!onGrid || !row) return;
        e.preventDefault();
        if (row.kind === 'group') toggleGroup(row.project);
        else open(row.c.id);
        break;
      case 'Delete':
      case 'Backspace': {
        if (!onGrid) return;
        const targets = selectedList.length ? selectedList : row ? rowContainers(row) : [];
        if (targets.length) {
          e.preventDefault();
          setRemoving(targets.map(toTarget));
        }
        break;
      }
      case 'Escape':
        if (selected.size) {
          e.preventDefault();
          setSelected(new Set());
        }
        break;
      case 'a':
      case 'A':
        if (e.ctrlKey || e.metaKey) {
          e.preventDefault();
          setSelected(new Set(rows.flatMap((r) => rowContainers(r).map((c) => c.id))));
        }
        break;
    }
  };

  const bulk = (action: BulkAction, pick: (c: ContainerSummary) => boolean) => {
    const targets = selectedList.filter(pick);
    void run(
      action,
      targets.map((c) => c.id),
      { names: new Map(targets.map((c) => [c.id, c.name])) },
    );
  };

  const running = useMemo(() => (all ?? []).filter(isRunning).length, [all]);
  const shownContainers = useMemo(() => rows.reduce((n, r) => n + rowContainers(r).length, 0), [rows]);
  const allShownSelected = shownContainers > 0 && selectedList.length >= shownContainers;
  const activeRow = rows[active];

  return (
    <section className="page ctr-page" aria-labelledby="containers-title">
      <header className="page-header">
        <h1 id="containers-title">{t('containers.title')}</h1>
        {all && (
          <span className="muted ctr-counts">
            {t('containers.list.counts', { running, total: all.length })}
          </span>
        )}
        <button type="button" className="btn btn-primary" onClick={() => useRunDialog.getState().show()}>
          {t('containers.run.open')}
        </button>
      </header>

      <div className="toolbar ctr-toolbar">
        <input
          type="search"
          className="ctr-search"
          aria-label={t('containers.list.search')}
          placeholder={t('containers.list.searchPlaceholder')}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              gridRef.current?.focus();
            }
          }}
        />
        <div className="segmented" role="group" aria-label={t('containers.filter.label')}>
          {FILTERS.map((f) => (
            <button
              key={f.key}
              type="button"
              aria-pressed={filter === f.key}
              onClick={() => setFilter(f.key)}
            >
              {t(f.label)}
            </button>
          ))}
        </div>
        <label className="ctr-sort">
          <span className="muted">{t('containers.sort.label')}</span>
          <select
            value={`${sort}:${dir}`}
            onChange={(e) => {
              const [k, d] = e.target.value.split(':') as [SortKey, 'asc' | 'desc'];
              sortBy(k, d);
            }}
          >
            <option value="name:asc">{t('containers.sort.nameAsc')}</option>
            <option value="name:desc">{t('containers.sort.nameDesc')}</option>
            <option value="status:desc">{t('containers.sort.status')}</option>
            <option value="status:asc">{t('containers.sort.statusAsc')}</option>
            <option value="created:desc">{t('containers.sort.newest')}</option>
            <option value="created:asc">{t('containers.sort.oldest')}</option>
            <option value="image:asc">{t('containers.sort.image')}</option>
            <option value="image:desc">{t('containers.sort.imageDesc')}</option>
          </select>
        </label>
      </div>

      {selectedList.length > 0 && (
        <div className="ctr-bulkbar" role="toolbar" aria-label={t('containers.bulk.label')}>
          <strong>{t('common.selected', { count: selectedList.length })}</strong>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy !== null || !selectedList.some((c) => !isRunning(c))}
            onClick={() => bulk('start', (c) => !isRunning(c))}
          >
            <PlayIcon />
            {t('containers.action.start')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy !== null || !selectedList.some(isRunning)}
            onClick={() => bulk('stop', isRunning)}
          >
            <StopIcon />
            {t('containers.action.stop')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy !== null}
            onClick={() => bulk('restart', () => true)}
          >
            <RestartIcon />
            {t('containers.action.restart')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy !== null || !selectedList.some((c) => c.state === 'running')}
            onClick={() => bulk('pause', (c) => c.state === 'running')}
          >
            <PauseIcon />
            {t('containers.action.pause')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={busy !== null || !selectedList.some((c) => c.state === 'paused')}
            onClick={() => bulk('unpause', (c) => c.state === 'paused')}
          >
            <PlayIcon />
            {t('containers.action.unpause')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            disabled={busy !== null}
            onClick={() => setRemoving(selectedList.map(toTarget))}
          >
            <TrashIcon />
            {t('containers.action.remove')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setSelected(new Set())}>
            {t('containers.bulk.clear')}
          </button>
          {busy && <span className="spinner" role="status" aria-label={t('common.loading')} />}
        </div>
      )}

      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : all!.length === 0 ? (
        <div className="empty-state card">
          <p>{t('containers.list.empty')}</p>
          <button type="button" className="btn btn-primary" onClick={() => useRunDialog.getState().show()}>
            {t('containers.run.open')}
          </button>
        </div>
      ) : (
        <div
          ref={gridRef}
          className="ctr-grid"
          role="grid"
          aria-label={t('containers.title')}
          aria-rowcount={rows.length + 1}
          aria-multiselectable="true"
          aria-activedescendant={activeRow ? `ctr-row-${active}` : undefined}
          tabIndex={0}
          onKeyDown={onKeyDown}
        >
          <div className="ctr-scroll" ref={scrollRef}>
            <div className="ctr-row ctr-head" role="row" aria-rowindex={1} style={{ height: HEAD_HEIGHT }}>
              <span className="ctr-cell ctr-check-cell" role="columnheader">
                <input
                  type="checkbox"
                  aria-label={t('containers.list.selectAll')}
                  checked={allShownSelected}
                  ref={(el) => {
                    if (el) el.indeterminate = selectedList.length > 0 && !allShownSelected;
                  }}
                  onChange={() =>
                    setSelected(
                      allShownSelected
                        ? new Set()
                        : new Set(rows.flatMap((r) => rowContainers(r).map((c) => c.id))),
                    )
                  }
                />
              </span>
              {SORTABLE.map((col) => (
                <SortHeader
                  key={col.key}
                  col={col.key}
                  label={t(col.label)}
                  className={col.className}
                  sort={sort}
                  dir={dir}
                  onSort={sortBy}
                />
              ))}
              <span className="ctr-cell ctr-ports-cell" role="columnheader">
                {t('containers.col.ports')}
              </span>
              <span className="ctr-cell ctr-cpu" role="columnheader">
                {t('containers.col.cpu')}
              </span>
              <span className="ctr-cell ctr-mem" role="columnheader">
                {t('containers.col.memory')}
              </span>
              <SortHeader
                col="created"
                label={t('common.created')}
                className="ctr-created"
                sort={sort}
                dir={dir}
                onSort={sortBy}
              />
              <span className="ctr-cell ctr-actions" role="columnheader">
                <span className="sr-only">{t('common.actions')}</span>
              </span>
            </div>
            {rows.length === 0 ? (
              <div className="empty-state">
                <p>{t('containers.list.noMatch')}</p>
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    setSearch('');
                    setFilter('all');
                  }}
                >
                  {t('containers.list.clearFilters')}
                </button>
              </div>
            ) : (
              <div className="ctr-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
                {items.map((vi) => {
                  const row = rows[vi.index]!;
                  return (
                    <ContainerRow
                      // Keyed by slot, not by container: a row scrolled in reuses the DOM of the row
                      // that left instead of building its own, which keeps fast scrolling cheap.
                      key={vi.index % ROW_SLOTS}
                      row={row}
                      index={vi.index}
                      rowId={`ctr-row-${vi.index}`}
                      start={vi.start - HEAD_HEIGHT}
                      size={vi.size}
                      selected={selectionOf(row)}
                      active={vi.index === active}
                      handlers={handlers}
                    />
                  );
                })}
              </div>
            )}
          </div>
        </div>
      )}

      {removing && (
        <RemoveDialog
          open
          targets={removing}
          onClose={() => setRemoving(null)}
          onRemoved={(ids) => {
            const next = new Set(selected);
            for (const id of ids) next.delete(id);
            setSelected(next);
            gridRef.current?.focus();
          }}
        />
      )}
    </section>
  );
}

function SortHeader(props: {
  col: SortKey;
  label: string;
  className: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
  onSort(k: SortKey): void;
}) {
  const t = useT();
  const current = props.sort === props.col;
  return (
    <span
      className={`ctr-cell ${props.className}`}
      role="columnheader"
      aria-sort={current ? (props.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className="ctr-sort-btn"
        onClick={() => props.onSort(props.col)}
        title={t('containers.sort.by', { column: props.label })}
      >
        {props.label}
        <span className="ctr-sort-arrow" aria-hidden="true">
          {current ? (props.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </span>
  );
}
