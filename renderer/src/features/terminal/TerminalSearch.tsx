// Find in the terminal's scrollback: highlights every match, Enter / Shift+Enter walk through them.
import { useEffect, useRef, useState } from 'react';
import type { ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { useT } from '../../i18n';

const OPTIONS: ISearchOptions = {
  decorations: {
    matchBackground: '#c98a06',
    matchOverviewRuler: '#c98a06',
    activeMatchBackground: '#2f6fed',
    activeMatchColorOverviewRuler: '#2f6fed',
  },
};

export function TerminalSearch({ search, onClose }: { search: SearchAddon; onClose(): void }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ index: number; count: number } | null>(null);

  useEffect(() => {
    input.current?.focus();
    const sub = search.onDidChangeResults((r) => setResults({ index: r.resultIndex, count: r.resultCount }));
    return () => {
      sub.dispose();
      search.clearDecorations();
    };
  }, [search]);

  const find = (dir: 1 | -1, q = query, incremental = false) => {
    if (!q) {
      search.clearDecorations();
      setResults(null);
      return;
    }
    if (dir > 0) search.findNext(q, { ...OPTIONS, incremental });
    else search.findPrevious(q, OPTIONS);
  };

  const label = !query
    ? ''
    : !results || results.count === 0
      ? t('terminal.noMatches')
      : results.index >= 0
        ? t('terminal.matchOf', { current: results.index + 1, total: results.count })
        : t('terminal.matches', { count: results.count });

  return (
    <div className="terminal-search" role="search">
      <input
        ref={input}
        type="search"
        aria-label={t('terminal.searchLabel')}
        placeholder={t('terminal.searchPlaceholder')}
        value={query}
        spellCheck={false}
        onChange={(e) => {
          setQuery(e.target.value);
          find(1, e.target.value, true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            find(e.shiftKey ? -1 : 1);
          } else if (e.key === 'Escape') {
            e.preventDefault();
            onClose();
          }
        }}
      />
      <span className="terminal-search-status" aria-live="polite">
        {label}
      </span>
      <button
        type="button"
        className="btn-icon"
        aria-label={t('terminal.prevMatch')}
        onClick={() => find(-1)}
      >
        ↑
      </button>
      <button type="button" className="btn-icon" aria-label={t('terminal.nextMatch')} onClick={() => find(1)}>
        ↓
      </button>
      <button type="button" className="btn-icon" aria-label={t('terminal.closeSearch')} onClick={onClose}>
        ×
      </button>
    </div>
  );
}
