// Queries and actions on the engine this app hosts, shared by Settings and Troubleshoot.
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call, type EngineHostState } from '../../bridge';
import { useBridgeQuery } from '../../bridge/hooks';
import { useT, type MessageKey } from '../../i18n';
import { toast } from '../../components/toasts';

export const ENGINE_SETTINGS_KEY = ['settings', 'engine'];
export const ENGINE_STATUS_KEY = ['settings', 'engine-status'];

export function useEngineSettings() {
  return useBridgeQuery(ENGINE_SETTINGS_KEY, 'settings.engine.get', {});
}

export function useEngineStatus() {
  return useBridgeQuery(ENGINE_STATUS_KEY, 'engine.status', {});
}

export function stateBadgeClass(state: EngineHostState | undefined): string {
  switch (state) {
    case 'running':
    case 'external':
      return 'badge badge-success';
    case 'starting':
      return 'badge badge-warning';
    case 'failed':
      return 'badge badge-danger';
    default:
      return 'badge';
  }
}

export function EngineStateBadge({ state }: { state?: EngineHostState }) {
  const t = useT();
  if (!state) return null;
  return <span className={stateBadgeClass(state)}>{t(`settings.state.${state}` as MessageKey)}</span>;
}

/** Restart with a pending flag; every query refetches afterwards (the engine's state may have moved). */
export function useRestartEngine() {
  const t = useT();
  const qc = useQueryClient();
  const [pending, setPending] = useState(false);
  const restart = async () => {
    setPending(true);
    try {
      await call('engine.restart', {});
      toast('success', t('settings.engine.restarted'));
    } catch (err) {
      toast('error', t('settings.engine.restartFailed', { message: (err as Error).message }));
    } finally {
      setPending(false);
      await qc.invalidateQueries();
    }
  };
  return { restart, pending };
}

/** "Restart the engine to apply" when the engine's settings changed since it started. */
export function RestartNotice({ state }: { state?: EngineHostState }) {
  const t = useT();
  const { restart, pending } = useRestartEngine();
  if (state === 'external') {
    return (
      <div className="settings-notice" role="status">
        {t('settings.engine.external')}
      </div>
    );
  }
  return (
    <div className="settings-notice" role="status">
      <span>{t('settings.engine.restartNeeded')}</span>
      <button
        type="button"
        className="btn btn-primary btn-small"
        disabled={pending}
        onClick={() => void restart()}
      >
        {pending ? t('settings.troubleshoot.restarting') : t('settings.engine.restartApply')}
      </button>
    </div>
  );
}
