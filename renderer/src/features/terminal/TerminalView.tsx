// A terminal in a container (the Terminal tab of container details): exec with a shell picker (sh,
// bash, a custom command) or attach to the container's own stdio. xterm.js with fit, search, web
// links and (on a real GPU) WebGL; the size follows the panel on every fit; Ctrl/Cmd+Shift+C/V and
// right-click copy and paste; search in the scrollback; reconnects when the container starts again.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Terminal } from '@xterm/xterm';
import type { FitAddon } from '@xterm/addon-fit';
import type { SearchAddon } from '@xterm/addon-search';
import { useT } from '../../i18n';
import { toast } from '../../components/toasts';
import { useContainerStarts } from '../logs/container-events';
import { commandFor, type ShellChoice } from './command';
import { openSession, type LiveSession, type SessionState } from './terminal-session';
import { currentTheme, onThemeChange } from './theme';
import { hardwareWebgl2 } from './webgl';
import { useTerminalPrefs } from './prefs';
import { TerminalSearch } from './TerminalSearch';
import './terminal.css';

interface Xterm {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  renderer: 'webgl' | 'dom';
}

const SCROLLBACK = 10_000;

async function createXterm(host: HTMLElement): Promise<Xterm> {
  const m = await import('./xterm-loader');
  const term = new m.Terminal({
    allowProposedApi: true, // search highlights use decorations
    cursorBlink: true,
    fontFamily: "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    lineHeight: 1.15,
    scrollback: SCROLLBACK,
    theme: currentTheme(),
    rightClickSelectsWord: false,
    macOptionIsMeta: true,
  });
  const fit = new m.FitAddon();
  const search = new m.SearchAddon({ highlightLimit: 2000 });
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(
    new m.WebLinksAddon((event, uri) => {
      event.preventDefault();
      window.open(uri, '_blank', 'noopener,noreferrer');
    }),
  );
  term.open(host);
  let renderer: Xterm['renderer'] = 'dom';
  if (hardwareWebgl2()) {
    try {
      const WebglAddon = await m.loadWebglAddon();
      const webgl = new WebglAddon();
      // A lost GPU context falls back to the DOM renderer instead of a dead canvas.
      webgl.onContextLoss(() => webgl.dispose());
      term.loadAddon(webgl);
      renderer = 'webgl';
    } catch {
      // the DOM renderer it is
    }
  }
  return { term, fit, search, renderer };
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function TerminalView({ containerId }: { containerId: string }) {
  const t = useT();
  const prefs = useTerminalPrefs();
  const hostRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const [xterm, setXterm] = useState<Xterm | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const [state, setState] = useState<SessionState>({ kind: 'connecting' });
  const stateRef = useRef(state);
  stateRef.current = state;
  const [epoch, setEpoch] = useState(0);
  const [searchOpen, setSearchOpen] = useState(false);
  const [customDraft, setCustomDraft] = useState(prefs.custom);
  const [userDraft, setUserDraft] = useState(prefs.user);
  const sessionRef = useRef<LiveSession | null>(null);
  const sessionCount = useRef(0);

  const reconnect = useCallback(() => setEpoch((n) => n + 1), []);

  // The terminal itself, once.
  useEffect(() => {
    let disposed = false;
    let created: Xterm | undefined;
    createXterm(hostRef.current!).then(
      (x) => {
        if (disposed) {
          x.term.dispose();
          return;
        }
        created = x;
        setXterm(x);
      },
      (err: Error) => !disposed && setLoadError(err.message),
    );
    return () => {
      disposed = true;
      created?.term.dispose();
    };
  }, []);

  // Fit on every size change of the panel (each fit that changes cols/rows sends a resize).
  useEffect(() => {
    if (!xterm) return;
    const host = hostRef.current!;
    let frame: number | undefined;
    const fit = () => {
      frame = undefined;
      if (host.clientWidth > 0 && host.clientHeight > 0) {
        try {
          xterm.fit.fit();
        } catch {
          // not laid out yet
        }
      }
    };
    fit();
    const ro = new ResizeObserver(() => {
      frame ??= requestAnimationFrame(fit);
    });
    ro.observe(host);
    const offTheme = onThemeChange(() => (xterm.term.options.theme = currentTheme()));
    return () => {
      ro.disconnect();
      offTheme();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [xterm]);

  // Copy, paste and search keys; right-click copies a selection or pastes.
  useEffect(() => {
    if (!xterm) return;
    const { term } = xterm;
    const copySelection = async () => {
      const text = term.getSelection();
      if (!text) return;
      if (!(await copyText(text))) document.execCommand('copy');
      term.clearSelection();
    };
    const paste = async () => {
      try {
        const text = await navigator.clipboard.readText();
        if (text) term.paste(text);
      } catch {
        toast('info', t('terminal.pasteHint'));
      }
      term.focus();
    };
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !e.shiftKey || !(e.ctrlKey || e.metaKey) || e.altKey) return true;
      if (e.code === 'KeyC') {
        e.preventDefault();
        void copySelection();
        return false;
      }
      // Let the browser's own paste event reach xterm (it needs no clipboard permission).
      if (e.code === 'KeyV') return false;
      if (e.code === 'KeyF') {
        e.preventDefault();
        setSearchOpen(true);
        return false;
      }
      return true;
    });
    const host = hostRef.current!;
    const onContextMenu = (e: MouseEvent) => {
      e.preventDefault();
      if (term.hasSelection()) void copySelection();
      else void paste();
    };
    host.addEventListener('contextmenu', onContextMenu);
    return () => host.removeEventListener('contextmenu', onContextMenu);
  }, [xterm, t]);

  // The session: (re)opened on mount, on Reconnect, on a new shell choice, when the container starts.
  const { mode, shell } = prefs;
  useEffect(() => {
    if (!xterm) return;
    const { term } = xterm;
    term.reset();
    const host = rootRef.current!;
    host.dataset.sessions = String(++sessionCount.current);
    const session = openSession(term, {
      containerId,
      mode,
      command: commandFor(shell, useTerminalPrefs.getState().custom),
      user: useTerminalPrefs.getState().user || undefined,
      onState: (s) => {
        setState(s);
        if (s.kind === 'ended') term.write(`\r\n\x1b[2m${endLine(s, t)}\x1b[0m\r\n`);
      },
      onWritten: (chars) => {
        host.dataset.written = String(chars);
        host.dataset.lastWrite = String(performance.now());
      },
    });
    sessionRef.current = session;
    term.focus();
    return () => {
      session.close();
      sessionRef.current = null;
    };
    // (`t` only words the end line: a language switch must not reconnect.)
  }, [xterm, containerId, mode, shell, epoch]);

  const disconnect = () => {
    sessionRef.current?.close();
    sessionRef.current = null;
    setState({ kind: 'ended', exit: { reason: 'closed' }, manual: true });
    xterm?.term.write(`\r\n\x1b[2m${t('terminal.disconnected')}\x1b[0m\r\n`);
  };

  // After a stop/start the session is reconnected (not after the user disconnected on purpose).
  useContainerStarts(containerId, undefined, () => {
    const s = stateRef.current;
    if ((s.kind === 'ended' && !s.manual) || s.kind === 'error') setTimeout(reconnect, 300);
  });

  const applyCustom = () => {
    prefs.set({ custom: customDraft.trim(), user: userDraft.trim() });
    reconnect();
  };

  const status = statusOf(state, t);
  const connected = state.kind === 'connected';

  return (
    <div
      ref={rootRef}
      className="terminal-view"
      data-testid="terminal-view"
      data-state={state.kind}
      data-renderer={xterm?.renderer ?? ''}
    >
      <div className="terminal-toolbar" role="toolbar" aria-label={t('terminal.title')}>
        <div className="segmented" role="group" aria-label={t('terminal.mode')}>
          <button type="button" aria-pressed={mode === 'exec'} onClick={() => prefs.set({ mode: 'exec' })}>
            {t('terminal.mode.exec')}
          </button>
          <button
            type="button"
            aria-pressed={mode === 'attach'}
            onClick={() => prefs.set({ mode: 'attach' })}
          >
            {t('terminal.mode.attach')}
          </button>
        </div>
        {mode === 'exec' && (
          <>
            <label className="terminal-field">
              <span>{t('terminal.shell')}</span>
              <select
                value={shell}
                onChange={(e) => prefs.set({ shell: e.target.value as ShellChoice })}
                aria-label={t('terminal.shell')}
              >
                <option value="sh">sh</option>
                <option value="bash">bash</option>
                <option value="custom">{t('terminal.shell.custom')}</option>
              </select>
            </label>
            {shell === 'custom' && (
              <input
                type="text"
                className="terminal-custom"
                aria-label={t('terminal.customCommand')}
                placeholder={t('terminal.customPlaceholder')}
                value={customDraft}
                spellCheck={false}
                onChange={(e) => setCustomDraft(e.target.value)}
                onKeyDown={(e) => e.key === 'Enter' && applyCustom()}
              />
            )}
            <input
              type="text"
              className="terminal-user"
              aria-label={t('terminal.user')}
              placeholder={t('terminal.userPlaceholder')}
              value={userDraft}
              spellCheck={false}
              onChange={(e) => setUserDraft(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && applyCustom()}
            />
          </>
        )}
        <button type="button" className="btn btn-small btn-primary" onClick={applyCustom}>
          {connected ? t('terminal.restart') : t('terminal.reconnect')}
        </button>
        {connected && (
          <button type="button" className="btn btn-small" onClick={disconnect}>
            {t('terminal.disconnect')}
          </button>
        )}
        <span className="terminal-spacer" />
        <button
          type="button"
          className="btn btn-small"
          aria-pressed={searchOpen}
          title={`${t('terminal.search')} (Ctrl+Shift+F)`}
          onClick={() => setSearchOpen(!searchOpen)}
        >
          {t('terminal.search')}
        </button>
      </div>
      <div className="terminal-body">
        {searchOpen && xterm && (
          <TerminalSearch
            search={xterm.search}
            onClose={() => {
              setSearchOpen(false);
              xterm.term.focus();
            }}
          />
        )}
        <div ref={hostRef} className="terminal-host" aria-label={t('terminal.output')} />
        {loadError && (
          <div className="terminal-overlay" role="alert">
            {loadError}
          </div>
        )}
      </div>
      <div className="terminal-statusbar">
        <span className={`terminal-state terminal-state-${state.kind}`} role="status">
          <span className="terminal-dot" aria-hidden="true" />
          {status}
        </span>
        <span className="terminal-spacer" />
        {state.kind === 'connected' && state.ready.mode === 'attach' && !state.ready.stdin && (
          <span className="terminal-note">{t('terminal.noStdin')}</span>
        )}
        {state.kind === 'connected' && state.ready.mode === 'attach' && state.ready.stdin && (
          <span className="terminal-note">{t('terminal.attachHint')}</span>
        )}
        <span className="terminal-note">{t('terminal.copyHint')}</span>
      </div>
    </div>
  );
}

function endLine(s: Extract<SessionState, { kind: 'ended' }>, t: ReturnType<typeof useT>): string {
  if (s.exit?.reason === 'detached') return t('terminal.detached');
  if (s.exit?.reason === 'exited' && s.exit.exitCode !== undefined)
    return t('terminal.exitedCode', { code: s.exit.exitCode });
  return t('terminal.closed');
}

function statusOf(s: SessionState, t: ReturnType<typeof useT>): string {
  switch (s.kind) {
    case 'connecting':
      return t('terminal.connecting');
    case 'connected':
      return s.ready.mode === 'attach' ? t('terminal.attached') : t('terminal.connected');
    case 'ended':
      return s.manual ? t('terminal.disconnected') : `${endLine(s, t)} — ${t('terminal.reconnectHint')}`;
    case 'error':
      return t('terminal.failed', { message: s.error.message });
  }
}
