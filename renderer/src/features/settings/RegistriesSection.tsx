import { useEffect, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call, type EngineSettings } from '../../bridge';
import { useBridgeQuery } from '../../bridge/hooks';
import { useT } from '../../i18n';
import { ErrorState, Loading } from '../../components/ErrorState';
import { toast } from '../../components/toasts';
import { ENGINE_SETTINGS_KEY, RestartNotice, useEngineSettings } from './engine';

// Registry logins live in the images contract (images.logins/login/logout); this is their home in
// Settings. Mirrors and insecure registries are the hosted engine's config file.
const LOGINS_KEY = ['images', 'logins'];

function Logins() {
  const t = useT();
  const qc = useQueryClient();
  const logins = useBridgeQuery(LOGINS_KEY, 'images.logins', {});
  const [registry, setRegistry] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const login = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await call('images.login', { registry: registry.trim(), username, password });
      toast('success', t('settings.registries.loggedIn', { registry: r.registry }));
      setRegistry('');
      setUsername('');
      setPassword('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
      await qc.invalidateQueries({ queryKey: LOGINS_KEY });
    }
  };
  const logout = async (r: string) => {
    try {
      await call('images.logout', { registry: r });
      toast('success', t('settings.registries.loggedOut', { registry: r }));
    } catch (err) {
      toast('error', (err as Error).message);
    }
    await qc.invalidateQueries({ queryKey: LOGINS_KEY });
  };

  return (
    <div className="card settings-card">
      <h3>{t('settings.registries.logins')}</h3>
      <p className="field-hint">{t('settings.registries.loginsHint')}</p>
      {logins.isPending ? (
        <Loading />
      ) : logins.isError ? (
        <ErrorState error={logins.error} onRetry={() => void logins.refetch()} />
      ) : logins.data.length === 0 ? (
        <p className="muted">{t('settings.registries.noLogins')}</p>
      ) : (
        <table className="table settings-table">
          <thead>
            <tr>
              <th>{t('settings.registries.registry')}</th>
              <th className="col-user">{t('settings.registries.username')}</th>
              <th className="col-store">{t('settings.registries.store')}</th>
              <th className="settings-actions-col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {logins.data.map((l) => (
              <tr key={l.registry}>
                <td className="mono">{l.registry}</td>
                <td>{l.username || '—'}</td>
                <td>
                  {l.store === 'file'
                    ? t('settings.registries.store.file')
                    : `docker-credential-${l.store.slice('helper:'.length)}`}
                </td>
                <td>
                  <div className="settings-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={t('settings.registries.logoutNamed', { registry: l.registry })}
                      onClick={() => void logout(l.registry)}
                    >
                      {t('settings.registries.logout')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="settings-form-row settings-login" onSubmit={(e) => void login(e)}>
        <label className="field settings-grow">
          <span>{t('settings.registries.registry')}</span>
          <input
            value={registry}
            required
            maxLength={255}
            placeholder={t('settings.registries.registryPlaceholder')}
            onChange={(e) => setRegistry(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('settings.registries.username')}</span>
          <input
            value={username}
            required
            maxLength={255}
            autoComplete="username"
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('settings.registries.password')}</span>
          <input
            type="password"
            value={password}
            required
            maxLength={4096}
            autoComplete="current-password"
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary settings-form-button" disabled={busy}>
          {t('settings.registries.login')}
        </button>
      </form>
      {error && (
        <p className="settings-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function EngineRegistries({ settings }: { settings: EngineSettings }) {
  const t = useT();
  const qc = useQueryClient();
  const [mirrors, setMirrors] = useState(settings.registryMirrors.join('\n'));
  const [insecure, setInsecure] = useState(settings.insecureRegistries.join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  // Follow the file when it changes elsewhere, unless the user is editing.
  const savedMirrors = settings.registryMirrors.join('\n');
  const savedInsecure = settings.insecureRegistries.join('\n');
  useEffect(() => setMirrors(savedMirrors), [savedMirrors]);
  useEffect(() => setInsecure(savedInsecure), [savedInsecure]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const next = await call('settings.engine.update', {
        registryMirrors: lines(mirrors),
        insecureRegistries: lines(insecure),
      });
      qc.setQueryData(ENGINE_SETTINGS_KEY, next);
      toast('success', t('settings.saved'));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const dirty = mirrors.trim() !== savedMirrors || insecure.trim() !== savedInsecure;

  return (
    <form className="card settings-card" onSubmit={(e) => void save(e)}>
      {!settings.status.current && <p className="settings-notice">{t('settings.engine.notCurrent')}</p>}
      {settings.configError && (
        <p className="settings-error" role="alert">
          {t('settings.engine.configError', { message: settings.configError })}
        </p>
      )}
      <label className="field">
        <span>{t('settings.registries.mirrors')}</span>
        <textarea
          className="mono"
          rows={3}
          value={mirrors}
          placeholder="https://mirror.example.com"
          aria-describedby="mirrors-hint"
          onChange={(e) => setMirrors(e.target.value)}
        />
        <small className="field-hint" id="mirrors-hint">
          {t('settings.registries.mirrorsHint')}
        </small>
      </label>
      <label className="field">
        <span>{t('settings.registries.insecure')}</span>
        <textarea
          className="mono"
          rows={3}
          value={insecure}
          placeholder="registry.local:5000"
          aria-describedby="insecure-hint"
          onChange={(e) => setInsecure(e.target.value)}
        />
        <small className="field-hint" id="insecure-hint">
          {t('settings.registries.insecureHint')}
        </small>
      </label>
      <div className="settings-form-footer">
        <span className="field-hint">
          {t('settings.engine.configFile')}: <code>{settings.status.configPath}</code>
        </span>
        <button type="submit" className="btn btn-primary" disabled={busy || !dirty}>
          {t('settings.registries.saveEngine')}
        </button>
      </div>
      {error && (
        <p className="settings-error" role="alert">
          {error}
        </p>
      )}
      {settings.restartNeeded && <RestartNotice state={settings.status.state} />}
    </form>
  );
}

export function RegistriesSection() {
  const t = useT();
  const engine = useEngineSettings();
  return (
    <div className="settings-stack">
      <Logins />
      <h3 className="settings-subtitle">
        {t('settings.registries.mirrors')} · {t('settings.registries.insecure')}
      </h3>
      {engine.isPending ? (
        <Loading />
      ) : engine.isError ? (
        <ErrorState error={engine.error} onRetry={() => void engine.refetch()} />
      ) : engine.data.status.hosted ? (
        <EngineRegistries settings={engine.data} />
      ) : (
        <p className="card settings-card muted">{t('settings.registries.engineOnly')}</p>
      )}
    </div>
  );
}
