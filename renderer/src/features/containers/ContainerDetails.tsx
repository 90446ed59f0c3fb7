// #/containers/<id>/<tab>: a container's header (name, status, image, actions) and its tabs.
import { useState } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { ContainerState } from '../../bridge/contract';
import { href, navigate } from '../../app/router';
import { ErrorState, Loading } from '../../components/ErrorState';
import { shortId, timeAgo } from '../../components/format';
import { useLanguage, useT, type MessageKey } from '../../i18n';
import { LogsView } from '../logs/LogsView';
import { TerminalView } from '../terminal/TerminalView';
import { useContainerActions } from './actions';
import { RemoveDialog } from './RemoveDialog';
import { StatusBadge } from './StatusBadge';
import { InspectTab } from './InspectTab';
import { StatsTab } from './StatsTab';
import { FilesTab } from './FilesTab';
import { ProcessesTab } from './ProcessesTab';
import { PauseIcon, PlayIcon, RestartIcon, StopIcon, TrashIcon } from '../../components/icons';
import './containers.css';

export const TABS = ['logs', 'terminal', 'inspect', 'stats', 'files', 'processes'] as const;
export type Tab = (typeof TABS)[number];

const TAB_LABEL: Record<Tab, MessageKey> = {
  logs: 'containers.tab.logs',
  terminal: 'containers.tab.terminal',
  inspect: 'containers.tab.inspect',
  stats: 'containers.tab.stats',
  files: 'containers.tab.files',
  processes: 'containers.tab.processes',
};

/** The parts of GET /containers/{id}/json the header reads. */
export interface InspectInfo {
  Id: string;
  Name: string;
  Created: string;
  State: { Status: ContainerState; Running: boolean; Paused: boolean; ExitCode: number; StartedAt?: string };
  Config: { Image: string; Labels?: Record<string, string> | null };
  Image: string;
  NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
}

function statusText(info: InspectInfo): string {
  return info.State.Status === 'exited' ? `Exited (${info.State.ExitCode})` : '';
}

export function ContainerDetails({ id, tab: rawTab }: { id: string; tab?: string }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const tab: Tab = (TABS as readonly string[]).includes(rawTab ?? '') ? (rawTab as Tab) : 'logs';
  const inspect = useBridgeQuery(['containers', 'inspect', id], 'containers.inspect', { id });
  const { run, busy } = useContainerActions();
  const [removing, setRemoving] = useState(false);

  if (inspect.isPending) return <Loading />;
  if (inspect.isError) {
    return (
      <section className="page ctr-details">
        <a className="ctr-back" href={href('containers')}>
          ← {t('containers.title')}
        </a>
        {inspect.error.status === 404 ? (
          <div className="empty-state card">
            <p>{t('containers.details.gone', { id })}</p>
            <a className="btn" href={href('containers')}>
              {t('containers.details.backToList')}
            </a>
          </div>
        ) : (
          <ErrorState error={inspect.error} onRetry={() => void inspect.refetch()} />
        )}
      </section>
    );
  }

  const info = inspect.data as unknown as InspectInfo;
  const name = info.Name.replace(/^\//, '');
  const state = info.State.Status;
  const running = state === 'running' || state === 'paused' || state === 'restarting';
  const names = new Map([[info.Id, name]]);
  const act = (a: Parameters<typeof run>[0]) => void run(a, [info.Id], { names });
  const project = info.Config.Labels?.['com.docker.compose.project'];

  return (
    <section className="page ctr-details" aria-labelledby="ctr-details-title">
      <a className="ctr-back" href={href('containers')}>
        ← {t('containers.title')}
      </a>
      <header className="ctr-details-head">
        <h1 id="ctr-details-title">{name}</h1>
        <StatusBadge state={state} status={statusText(info)} />
        <div className="ctr-details-actions" role="toolbar" aria-label={t('common.actions')}>
          {running ? (
            <button type="button" className="btn" disabled={busy !== null} onClick={() => act('stop')}>
              <StopIcon />
              {t('containers.action.stop')}
            </button>
          ) : (
            <button type="button" className="btn" disabled={busy !== null} onClick={() => act('start')}>
              <PlayIcon />
              {t('containers.action.start')}
            </button>
          )}
          <button type="button" className="btn" disabled={busy !== null} onClick={() => act('restart')}>
            <RestartIcon />
            {t('containers.action.restart')}
          </button>
          {state === 'paused' ? (
            <button type="button" className="btn" disabled={busy !== null} onClick={() => act('unpause')}>
              <PlayIcon />
              {t('containers.action.unpause')}
            </button>
          ) : (
            <button
              type="button"
              className="btn"
              disabled={busy !== null || state !== 'running'}
              onClick={() => act('pause')}
            >
              <PauseIcon />
              {t('containers.action.pause')}
            </button>
          )}
          <button type="button" className="btn btn-danger" onClick={() => setRemoving(true)}>
            <TrashIcon />
            {t('containers.action.remove')}
          </button>
        </div>
      </header>
      <div className="ctr-details-meta">
        <span>
          {t('containers.col.image')}: <span className="mono">{info.Config.Image}</span>
        </span>
        <span>
          ID: <span className="mono">{shortId(info.Id)}</span>
        </span>
        <span title={info.Created}>
          {t('common.created')}: {timeAgo(language, Date.parse(info.Created))}
        </span>
        {project && (
          <span>
            {t('containers.details.project')}: <span className="mono">{project}</span>
          </span>
        )}
      </div>

      <nav className="tabs" role="tablist" aria-label={t('containers.details.tabs')}>
        {TABS.map((k) => (
          <a
            key={k}
            id={`ctr-tab-${k}`}
            role="tab"
            aria-selected={k === tab}
            aria-controls="ctr-tab-panel"
            className={k === tab ? 'active' : undefined}
            href={href('containers', id, k)}
            onKeyDown={(e) => {
              const i = TABS.indexOf(k);
              const next =
                e.key === 'ArrowRight'
                  ? TABS[(i + 1) % TABS.length]
                  : e.key === 'ArrowLeft'
                    ? TABS.at(i - 1)
                    : null;
              if (next) {
                e.preventDefault();
                navigate('containers', id, next);
                requestAnimationFrame(() => document.getElementById(`ctr-tab-${next}`)?.focus());
              }
            }}
          >
            {t(TAB_LABEL[k])}
          </a>
        ))}
      </nav>
      <div id="ctr-tab-panel" className="ctr-tab-panel" role="tabpanel" aria-labelledby={`ctr-tab-${tab}`}>
        {tab === 'logs' && <LogsView containerId={info.Id} />}
        {tab === 'terminal' && <TerminalView containerId={info.Id} />}
        {tab === 'inspect' && <InspectTab data={inspect.data} name={name} />}
        {tab === 'stats' && <StatsTab id={info.Id} running={state === 'running'} />}
        {tab === 'files' && <FilesTab id={info.Id} />}
        {tab === 'processes' && <ProcessesTab id={info.Id} running={state === 'running'} />}
      </div>

      {removing && (
        <RemoveDialog
          open
          targets={[{ id: info.Id, name, running }]}
          onClose={() => setRemoving(false)}
          onRemoved={(ids) => {
            if (ids.length) navigate('containers');
          }}
        />
      )}
    </section>
  );
}
