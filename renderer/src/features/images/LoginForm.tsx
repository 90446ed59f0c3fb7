import { useState } from 'react';
import { call } from '../../bridge';
import { useT } from '../../i18n';

/** Asks for registry credentials, checks them with the engine and saves them like `docker login`. */
export function LoginForm({
  registry: initialRegistry,
  reason,
  onDone,
  onCancel,
}: {
  registry: string;
  reason?: string;
  onDone(): void;
  onCancel?(): void;
}) {
  const t = useT();
  const [registry, setRegistry] = useState(initialRegistry);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <form
      className="img-login"
      aria-label={t('images.login.title')}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await call('images.login', { registry: registry.trim(), username, password });
          onDone();
        } catch (err) {
          setError((err as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p className="img-login-reason">{reason ?? t('images.login.needed', { registry })}</p>
      <label className="field">
        <span>{t('images.login.registry')}</span>
        <input value={registry} onChange={(e) => setRegistry(e.target.value)} required />
      </label>
      <label className="field">
        <span>{t('images.login.username')}</span>
        <input
          value={username}
          autoComplete="username"
          onChange={(e) => setUsername(e.target.value)}
          required
        />
      </label>
      <label className="field">
        <span>{t('images.login.password')}</span>
        <input
          type="password"
          value={password}
          autoComplete="current-password"
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </label>
      <p className="field-hint">{t('images.login.stored')}</p>
      {error && (
        <p className="img-error" role="alert">
          {error}
        </p>
      )}
      <div className="img-login-actions">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || !username || !password}>
          {busy ? t('images.login.checking') : t('images.login.submit')}
        </button>
      </div>
    </form>
  );
}
