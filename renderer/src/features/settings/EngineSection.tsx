import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call, type EngineSettings } from '../../bridge';
import { useT } from '../../i18n';
import { ErrorState, Loading } from '../../components/ErrorState';
import { toast } from '../../components/toasts';
import { ENGINE_SETTINGS_KEY, EngineStateBadge, RestartNotice, useEngineSettings } from './engine';

function DataLocation({ settings }: { settings: EngineSettings }) {
  const t = useT();
  const qc = useQueryClient();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const next = settings.dataRootSetting ?? settings.defaultDataRoot;

  const change = async (dataRoot: string | null) => {
    setBusy(true);
    setError(undefined);
    try {
      qc.setQueryData(ENGINE_SETTINGS_KEY, await call('settings.engine.update', { dataRoot }));
      setPath('');
      toast('success', t('settings.saved'));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void change(path.trim());
  };

  return (
    <form className="card settings-card" onSubmit={submit}>
      <h3>{t('settings.engine.dataLocation')}</h3>
      <p className="field-hint">{t('settings.engine.dataLocationHint')}</p>
      <dl className="settings-facts">
        <dt>{t('settings.engine.inUse')}</dt>
        <dd className="mono">{settings.dataRoot}</dd>
        {next && next !== settings.dataRoot && (
          <>
            <dt>{t('settings.engine.nextStart')}</dt>
            <dd className="mono">{next}</dd>
          </>
        )}
      </dl>
      {!settings.dataRootSettable ? (
        <p className="settings-notice">{t('settings.engine.dataRootFixed')}</p>
      ) : (
        <div className="settings-form-row">
          <label className="field settings-grow">
            <span>{t('settings.engine.dataLocationInput')}</span>
            <input
              className="mono"
              value={path}
              required
              maxLength={1024}
              placeholder={settings.defaultDataRoot}
              onChange={(e) => setPath(e.target.value)}
            />
          </label>
          <button
            type="submit"
            className="btn btn-primary settings-form-button"
            disabled={busy || !path.trim()}
          >
            {t('settings.engine.changeLocation')}
          </button>
        </div>
      )}
      {settings.dataRootSetting && settings.defaultDataRoot && (
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void change(null)}>
          {t('settings.engine.useDefault', { path: settings.defaultDataRoot })}
        </button>
      )}
      {error && (
        <p className="settings-error" role="alert">
          {error}
        </p>
      )}
      {settings.restartNeeded && <RestartNotice state={settings.status.state} />}
    </form>
  );
}

export function EngineSection() {
  const t = useT();
  const engine = useEngineSettings();
  if (engine.isPending) return <Loading />;
  if (engine.isError) return <ErrorState error={engine.error} onRetry={() => void engine.refetch()} />;
  const s = engine.data;
  if (!s.status.hosted) return <p className="card settings-card muted">{t('settings.engine.notHosted')}</p>;
  return (
    <div className="settings-stack">
      {!s.status.current && <p className="settings-notice">{t('settings.engine.notCurrent')}</p>}
      <div className="card settings-card">
        <h3>{t('settings.troubleshoot.engine')}</h3>
        <dl className="settings-facts">
          <dt>{t('settings.engine.state')}</dt>
          <dd>
            <EngineStateBadge state={s.status.state} />
          </dd>
          <dt>{t('settings.engine.socket')}</dt>
          <dd className="mono">unix://{s.status.socket}</dd>
          <dt>{t('settings.engine.configFile')}</dt>
          <dd className="mono">{s.status.configPath}</dd>
        </dl>
      </div>
      <DataLocation settings={s} />
    </div>
  );
}
