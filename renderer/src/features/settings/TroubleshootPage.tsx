import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call, type EngineStatus } from '../../bridge';
import { useBridgeQuery, useSubscription } from '../../bridge/hooks';
import { useLanguage, useT } from '../../i18n';
import { ConfirmDialog } from '../../components/Dialog';
import { ErrorState, Loading } from '../../components/ErrorState';
import { timeAgo } from '../../components/format';
import { toast } from '../../components/toasts';
import { ENGINE_STATUS_KEY, EngineStateBadge, useEngineStatus, useRestartEngine } from './engine';
import './settings.css';

const LOG_KEY = ['settings', 'engine-log'];
const MAX_LINES = 5000;

/** The engine log: loaded once, then followed live; stays at the bottom unless the user scrolls up. */
function EngineLog() {
  const t = useT();
  const log = useBridgeQuery(LOG_KEY, 'engine.log', { tail: MAX_LINES });
  const [lines, setLines] = useState<string[]>([]);
  const box = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    if (log.data) setLines(log.data);
  }, [log.data]);
  useSubscription(
    'engine.watch',
    {},
    {
      onEvent: (e) => {
        if (e.type === 'log') setLines((prev) => [...prev.slice(-(MAX_LINES - 1)), e.line]);
      },
    },
  );
  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const text = lines.join('\n');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      toast('success', t('common.copied'));
    } catch (err) {
      toast('error', (err as Error).message);
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text + '\n'], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `berth-engine-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <div className="card settings-card settings-log-card">
      <div className="settings-card-header">
        <h3 id="engine-log-title">{t('settings.troubleshoot.log')}</h3>
        <div className="toolbar settings-log-toolbar">
          <button type="button" className="btn btn-small" onClick={() => void log.refetch()}>
            {t('common.refresh')}
          </button>
          <button type="button" className="btn btn-small" disabled={!text} onClick={() => void copy()}>
            {t('common.copy')}
          </button>
          <button type="button" className="btn btn-small" disabled={!text} onClick={download}>
            {t('settings.troubleshoot.download')}
          </button>
        </div>
      </div>
      {log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => void log.refetch()} />
      ) : (
        <pre
          ref={box}
          className="settings-log"
          role="log"
          aria-labelledby="engine-log-title"
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          }}
        >
          {text || t('settings.troubleshoot.logEmpty')}
        </pre>
      )}
    </div>
  );
}

function ResetDialog({ status, open, onClose }: { status: EngineStatus; open: boolean; onClose(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const reset = async () => {
    setBusy(true);
    try {
      await call('engine.reset', { confirm: 'reset' });
      toast('success', t('settings.troubleshoot.resetDone'));
      onClose();
    } catch (err) {
      toast('error', t('settings.troubleshoot.resetFailed', { message: (err as Error).message }));
    } finally {
      setBusy(false);
      setTyped('');
      await qc.invalidateQueries();
    }
  };
  return (
    <ConfirmDialog
      title={t('settings.troubleshoot.resetTitle')}
      open={open}
      danger
      busy={busy || typed.trim().toLowerCase() !== 'reset'}
      confirmLabel={t('settings.troubleshoot.resetConfirm')}
      onConfirm={() => void reset()}
      onClose={() => {
        setTyped('');
        onClose();
      }}
    >
      <p>{t('settings.troubleshoot.resetIntro')}</p>
      <ul className="settings-reset-list">
        <li>{t('settings.troubleshoot.resetContainers')}</li>
        <li>{t('settings.troubleshoot.resetImages')}</li>
        <li>{t('settings.troubleshoot.resetVolumes')}</li>
        <li>{t('settings.troubleshoot.resetNetworks')}</li>
      </ul>
      <p>{t('settings.troubleshoot.resetPath', { path: status.dataRoot ?? '' })}</p>
      <p className="muted">{t('settings.troubleshoot.resetKeeps')}</p>
      <label className="field">
        <span>{t('settings.troubleshoot.resetType')}</span>
        <input value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} />
      </label>
    </ConfirmDialog>
  );
}

function EngineCard({ status }: { status: EngineStatus }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const { restart, pending } = useRestartEngine();
  const [resetOpen, setResetOpen] = useState(false);
  const connections = useBridgeQuery(['connections'], 'connections.list', {});
  const current = connections.data?.find((c) => c.current);
  const controllable = status.state !== 'external';
  return (
    <div className="card settings-card">
      <div className="settings-card-header">
        <h3>{t('settings.troubleshoot.engine')}</h3>
        <EngineStateBadge state={status.state} />
      </div>
      {!status.current && current && (
        <p className="settings-notice">{t('settings.troubleshoot.otherCurrent', { name: current.name })}</p>
      )}
      {!controllable && <p className="settings-notice">{t('settings.engine.external')}</p>}
      <dl className="settings-facts">
        <dt>{t('settings.engine.socket')}</dt>
        <dd className="mono">unix://{status.socket}</dd>
        <dt>{t('settings.engine.dataLocation')}</dt>
        <dd className="mono">{status.dataRoot}</dd>
        {status.startedAt && (
          <>
            <dt>{t('settings.troubleshoot.startedAt')}</dt>
            <dd title={new Date(status.startedAt).toLocaleString()}>{timeAgo(language, status.startedAt)}</dd>
          </>
        )}
      </dl>
      <div className="toolbar settings-engine-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={pending || !controllable}
          onClick={() => void restart()}
        >
          {pending ? t('settings.troubleshoot.restarting') : t('settings.troubleshoot.restart')}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          disabled={pending || !controllable}
          onClick={() => setResetOpen(true)}
        >
          {t('settings.troubleshoot.reset')}
        </button>
        <span className="field-hint">{t('settings.troubleshoot.restartHint')}</span>
      </div>
      <ResetDialog status={status} open={resetOpen} onClose={() => setResetOpen(false)} />
    </div>
  );
}

/** #/troubleshoot */
export function TroubleshootPage() {
  const t = useT();
  const qc = useQueryClient();
  const status = useEngineStatus();
  // The state badge follows the engine live; a fresh start also brings a new start time.
  useSubscription('engine.watch', status.data?.hosted ? {} : undefined, {
    onEvent: (e) => {
      if (e.type !== 'state') return;
      qc.setQueryData<EngineStatus>(ENGINE_STATUS_KEY, (old) => (old ? { ...old, state: e.state } : old));
      if (e.state === 'running') void qc.invalidateQueries({ queryKey: ENGINE_STATUS_KEY });
    },
  });
  return (
    <section className="page settings-page">
      <div className="page-header">
        <h1>{t('settings.troubleshoot.title')}</h1>
      </div>
      {status.isPending ? (
        <Loading />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => void status.refetch()} />
      ) : !status.data.hosted ? (
        <p className="card settings-card muted">{t('settings.troubleshoot.notHosted')}</p>
      ) : (
        <div className="settings-stack settings-troubleshoot">
          <EngineCard status={status.data} />
          <EngineLog />
        </div>
      )}
    </section>
  );
}
