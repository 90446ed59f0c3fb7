// A container's log (the Logs tab of container details): follows live output, pauses when the user
// scrolls up and resumes at the bottom; search with highlights and next/previous; timestamps toggle;
// stderr in red; clear, copy, download. Built for a million lines: the lines live in a packed store,
// only the rows in view are rendered, and the screen updates at most once a frame.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useT } from '../../i18n';
import { toast } from '../../components/toasts';
import { formatBytes } from '../../components/format';
import { LogStore } from './log-store';
import { LogViewport } from './LogViewport';
import { searchPattern } from './log-search';
import { useLogSearch } from './use-log-search';
import { useLogStream, type Tail } from './use-log-stream';
import { fetchLogBlob, logFileName, saveBlob } from './download';
import { useLogPrefs } from './prefs';
import './logs.css';

const TAILS: Tail[] = [1000, 10_000, 100_000, 'all'];

export function LogsView({ containerId }: { containerId: string }) {
  const t = useT();
  const store = useMemo(() => new LogStore(), [containerId]);
  const [version, setVersion] = useState(0);
  const frame = useRef<number | undefined>(undefined);
  // Batches arrive every ~30 ms, or back to back while a big log loads: draw once per frame.
  const onData = useCallback(() => {
    frame.current ??= requestAnimationFrame(() => {
      frame.current = undefined;
      setVersion((v) => v + 1);
    });
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== undefined) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const { timestamps, tail, setTimestamps, setTail } = useLogPrefs();
  const stream = useLogStream(containerId, tail, store, onData);
  const [follow, setFollow] = useState(true);

  // Search
  const [query, setQuery] = useState('');
  const [activeQuery, setActiveQuery] = useState('');
  useEffect(() => {
    const id = setTimeout(() => setActiveQuery(query), query ? 150 : 0);
    return () => clearTimeout(id);
  }, [query]);
  const found = useLogSearch(store, activeQuery, !timestamps, version);
  const { search } = found;
  // Until the search for the current query exists, it is pending (not "no matches").
  const scanning = !!activeQuery && (!search || search.query !== activeQuery || found.scanning);
  const pattern = useMemo(() => searchPattern(activeQuery), [activeQuery]);
  const [current, setCurrent] = useState<number | null>(null);
  const [reveal, setReveal] = useState<{ line: number; nonce: number } | null>(null);
  const topLine = useRef(0);
  const jumped = useRef<string>('');

  const goTo = useCallback((line: number) => {
    setCurrent(line);
    setFollow(false);
    setReveal((r) => ({ line, nonce: (r?.nonce ?? 0) + 1 }));
  }, []);

  const step = useCallback(
    (dir: 1 | -1) => {
      const matches = search?.matches;
      if (!search || !matches?.length) return;
      let i: number;
      if (current === null) {
        i = search.indexAtOrAfter(topLine.current);
        if (dir < 0) i -= 1;
      } else {
        const at = search.indexAtOrAfter(current);
        i = matches[at] === current ? at + dir : dir > 0 ? at : at - 1;
      }
      i = (i + matches.length) % matches.length;
      goTo(matches[i]!);
    },
    [search, current, goTo],
  );

  // A new query: show the first match once the scan is through (the newest when following).
  useEffect(() => {
    if (!search) {
      setCurrent(null);
      jumped.current = '';
      return;
    }
    if (scanning || jumped.current === search.query) return;
    jumped.current = search.query;
    const m = search.matches;
    if (!m.length) {
      setCurrent(null);
      return;
    }
    goTo(follow ? m[m.length - 1]! : m[Math.min(m.length - 1, search.indexAtOrAfter(topLine.current))]!);
  }, [search, scanning]);

  const matchCount = search?.matches.length ?? 0;
  const currentIndex =
    search && current !== null && search.matches[search.indexAtOrAfter(current)] === current
      ? search.indexAtOrAfter(current) + 1
      : 0;

  const onSearchKey = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      if (query !== activeQuery) setActiveQuery(query);
      else step(e.shiftKey ? -1 : 1);
    } else if (e.key === 'Escape' && query) {
      e.preventDefault();
      setQuery('');
    }
  };

  // Clear, copy, download
  const clear = () => {
    store.clear();
    setCurrent(null);
    setFollow(true);
    setVersion((v) => v + 1);
  };

  const copy = async () => {
    const text = store.allText(timestamps);
    try {
      await navigator.clipboard.writeText(text);
      toast('success', t('logs.copied', { count: store.count.toLocaleString() }));
    } catch (err) {
      toast('error', t('logs.copyFailed', { message: (err as Error).message }));
    }
  };

  const [download, setDownload] = useState<{ chars: number; cancel(): void } | null>(null);
  const startDownload = async () => {
    if (download) {
      download.cancel();
      return;
    }
    const name = logFileName(stream.info?.name ?? containerId);
    const job = fetchLogBlob(containerId, {
      timestamps,
      onProgress: (chars) => setDownload((d) => (d ? { ...d, chars } : d)),
    });
    setDownload({ chars: 0, cancel: job.cancel });
    try {
      saveBlob(await job.done, name);
      toast('success', t('logs.downloaded', { name }));
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (e.code !== 'cancelled') toast('error', t('logs.downloadFailed', { message: e.message }));
    } finally {
      setDownload(null);
    }
  };

  const searchStatus = !activeQuery
    ? ''
    : scanning && matchCount === 0
      ? t('logs.searching')
      : matchCount === 0
        ? t('logs.noMatches')
        : currentIndex
          ? t('logs.matchOf', { current: currentIndex.toLocaleString(), total: matchCount.toLocaleString() })
          : t('logs.matches', { count: matchCount.toLocaleString() });

  const statusText =
    stream.status === 'connecting'
      ? t('logs.status.connecting')
      : stream.status === 'error'
        ? t('logs.status.error', { message: stream.error?.message ?? '' })
        : stream.status === 'stopped'
          ? t('logs.status.stopped')
          : follow
            ? t('logs.status.live')
            : t('logs.paused');

  return (
    <div
      className="logs-view"
      data-testid="logs-view"
      data-line-count={store.count}
      data-status={stream.status}
      data-search={activeQuery ? (scanning ? 'scanning' : 'done') : 'idle'}
      data-match-count={matchCount}
    >
      <div className="logs-toolbar" role="toolbar" aria-label={t('logs.title')}>
        <div className="logs-search">
          <input
            type="search"
            aria-label={t('logs.search')}
            placeholder={t('logs.searchPlaceholder')}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onSearchKey}
            spellCheck={false}
          />
          <span className="logs-search-status" aria-live="polite">
            {searchStatus}
          </span>
          <button
            type="button"
            className="btn-icon"
            aria-label={t('logs.prevMatch')}
            title={`${t('logs.prevMatch')} (Shift+Enter)`}
            disabled={matchCount === 0}
            onClick={() => step(-1)}
          >
            ↑
          </button>
          <button
            type="button"
            className="btn-icon"
            aria-label={t('logs.nextMatch')}
            title={`${t('logs.nextMatch')} (Enter)`}
            disabled={matchCount === 0}
            onClick={() => step(1)}
          >
            ↓
          </button>
        </div>
        <label className="logs-check">
          <input type="checkbox" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} />
          {t('logs.timestamps')}
        </label>
        <label className="logs-tail">
          {t('logs.tail')}
          <select
            value={String(tail)}
            onChange={(e) => setTail(e.target.value === 'all' ? 'all' : Number(e.target.value))}
          >
            {TAILS.map((n) => (
              <option key={n} value={String(n)}>
                {n === 'all' ? t('logs.tailAll') : t('logs.tailLast', { count: n.toLocaleString() })}
              </option>
            ))}
          </select>
        </label>
        <span className="logs-spacer" />
        <button
          type="button"
          className="btn btn-small"
          aria-pressed={follow}
          title={t('logs.followHint')}
          onClick={() => setFollow(!follow)}
        >
          <span aria-hidden="true">↓</span>
          {t('logs.follow')}
        </button>
        <button type="button" className="btn btn-small" title={t('logs.clearHint')} onClick={clear}>
          {t('logs.clear')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          title={t('logs.copyHint')}
          disabled={store.count === 0}
          onClick={() => void copy()}
        >
          {t('logs.copy')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          title={t('logs.downloadHint')}
          aria-busy={download !== null}
          onClick={() => void startDownload()}
        >
          {download ? t('logs.downloading', { size: formatBytes(download.chars) }) : t('logs.download')}
        </button>
      </div>

      <LogViewport
        store={store}
        version={version}
        showTimestamps={timestamps}
        highlight={pattern}
        current={current}
        follow={follow}
        onFollowChange={setFollow}
        onTopLine={(n) => (topLine.current = n)}
        reveal={reveal}
        label={t('logs.output')}
        empty={stream.status === 'connecting' ? null : t('logs.empty')}
      />

      <div className="logs-statusbar">
        <span data-testid="logs-line-count">
          {t('logs.lineCount', { count: store.count.toLocaleString() })}
        </span>
        {store.dropped > 0 && (
          <span className="logs-dropped">{t('logs.dropped', { count: store.dropped.toLocaleString() })}</span>
        )}
        <span className="logs-spacer" />
        <span className={`logs-state logs-state-${stream.status}${follow ? ' following' : ''}`} role="status">
          <span className="logs-dot" aria-hidden="true" />
          {statusText}
        </span>
        {stream.status === 'error' && (
          <button type="button" className="btn btn-small" onClick={stream.reconnect}>
            {t('logs.reconnect')}
          </button>
        )}
      </div>
    </div>
  );
}
