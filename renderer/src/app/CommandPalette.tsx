import { useEffect, useMemo, useRef, useState } from 'react';
import { useT, type MessageKey } from '../i18n';
import type { Command } from './commands';
import { navigate, PAGES } from './router';
import { containersCommands } from '../features/containers/commands';
import { imagesCommands } from '../features/images/commands';
import { volumesCommands } from '../features/volumes/commands';
import { diskCommands } from '../features/disk/commands';
import { settingsCommands } from '../features/settings/commands';

const navigation: Command[] = PAGES.map((p) => ({
  id: `go.${p}`,
  label: `nav.${p}` as MessageKey,
  keywords: p,
  run: () => navigate(p),
}));

const ALL = [
  ...navigation,
  ...containersCommands,
  ...imagesCommands,
  ...volumesCommands,
  ...diskCommands,
  ...settingsCommands,
];

/** Ctrl/Cmd+K: every page and action, searchable, run with Enter. */
export function CommandPalette() {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
        setQuery('');
        setIndex(0);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  const items = useMemo(() => {
    const q = query.trim().toLowerCase();
    const labelled = ALL.map((c) => ({
      c,
      text: c.id.startsWith('go.') ? t('palette.goTo', { page: t(c.label) }) : t(c.label),
    }));
    return q
      ? labelled.filter(({ c, text }) => `${text} ${c.keywords ?? ''} ${c.id}`.toLowerCase().includes(q))
      : labelled;
  }, [query, t]);

  if (!open) return null;
  const run = (c: Command) => {
    setOpen(false);
    c.run();
  };
  return (
    <div className="palette-backdrop" onClick={() => setOpen(false)}>
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-label={t('palette.title')}
        onClick={(e) => e.stopPropagation()}
      >
        <input
          ref={input}
          className="palette-input"
          role="combobox"
          aria-label={t('palette.title')}
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={items[index] ? `palette-${items[index].c.id}` : undefined}
          placeholder={t('palette.placeholder')}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setIndex((i) => Math.min(i + 1, items.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setIndex((i) => Math.max(i - 1, 0));
            } else if (e.key === 'Enter' && items[index]) {
              // Consumed here, so the Enter never reaches a dialog the command opens.
              e.preventDefault();
              run(items[index].c);
            } else if (e.key === 'Escape') {
              setOpen(false);
            }
          }}
        />
        <ul id="palette-list" role="listbox" className="palette-list">
          {items.length === 0 && <li className="muted palette-empty">{t('palette.noResults')}</li>}
          {items.map(({ c, text }, i) => (
            <li
              key={c.id}
              id={`palette-${c.id}`}
              role="option"
              aria-selected={i === index}
              className={i === index ? 'palette-item active' : 'palette-item'}
              onMouseEnter={() => setIndex(i)}
              onClick={() => run(c)}
            >
              {text}
              {c.shortcut && <kbd>{c.shortcut}</kbd>}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
