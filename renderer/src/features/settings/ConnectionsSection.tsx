import { useEffect, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { call, type Connection } from '../../bridge';
import { useBridgeQuery } from '../../bridge/hooks';
import { useT, type MessageKey } from '../../i18n';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes } from '../../components/format';
import { toast } from '../../components/toasts';

function StatusBadge({ c }: { c: Connection }) {
  const t = useT();
  const cls =
    c.status === 'up' ? 'badge badge-success' : c.status === 'down' ? 'badge badge-danger' : 'badge';
  return (
    <span className={cls} title={c.error}>
      {t(`settings.connections.status.${c.status}` as MessageKey)}
    </span>
  );
}

/** Who answers on the current connection: the proof that a switch worked. */
function CurrentEngine() {
  const t = useT();
  const summary = useBridgeQuery(['system', 'summary'], 'system.summary', {}, { retry: false });
  if (summary.isPending) return <Loading />;
  if (summary.isError) return <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />;
  const s = summary.data;
  return (
    <dl className="settings-facts" aria-label={t('settings.connections.engine')}>
      <dt>{t('common.name')}</dt>
      <dd>{s.connection.name}</dd>
      <dt>{t('settings.connections.engineVersion')}</dt>
      <dd>
        {s.flavor} {s.version} (API {s.apiVersion})
      </dd>
      <dt>{t('settings.connections.platform')}</dt>
      <dd>
        {s.os} · {s.arch}
      </dd>
      <dt>{t('settings.connections.resources')}</dt>
      <dd>{t('settings.connections.cpusMemory', { cpus: s.cpus, memory: formatBytes(s.memory) })}</dd>
      <dt>{t('settings.connections.containers')}</dt>
      <dd data-testid="engine-containers">
        {t('settings.connections.containerCount', {
          total: s.containers.total,
          running: s.containers.running,
        })}
      </dd>
      <dt>{t('settings.connections.images')}</dt>
      <dd>{s.images}</dd>
      <dt>{t('settings.connections.dataRoot')}</dt>
      <dd className="mono">{s.dataRoot || '—'}</dd>
    </dl>
  );
}

function AddConnection({ onAdded }: { onAdded(c: Connection): void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const c = await call('connections.add', { name: name.trim(), url: url.trim() });
      setName('');
      setUrl('');
      toast('success', t('settings.connections.added', { name: c.name }));
      onAdded(c);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card settings-card" onSubmit={(e) => void submit(e)}>
      <h3>{t('settings.connections.add')}</h3>
      <div className="settings-form-row">
        <label className="field">
          <span>{t('settings.connections.name')}</span>
          <input
            value={name}
            required
            maxLength={100}
            placeholder={t('settings.connections.namePlaceholder')}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field settings-grow">
          <span>{t('settings.connections.url')}</span>
          <input
            value={url}
            required
            maxLength={2048}
            className="mono"
            placeholder="ssh://user@host"
            aria-describedby="connection-url-hint"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary settings-form-button" disabled={busy}>
          {t('settings.connections.addButton')}
        </button>
      </div>
      <div className="field-hint" id="connection-url-hint">
        {t('settings.connections.urlHint')}
      </div>
      {error && (
        <p className="settings-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function ConnectionsSection() {
  const t = useT();
  const qc = useQueryClient();
  const list = useBridgeQuery(['connections'], 'connections.list', {});
  const [busy, setBusy] = useState<string>();

  const check = async (id?: string) => {
    setBusy(id ?? '*');
    try {
      qc.setQueryData(['connections'], await call('connections.check', id ? { id } : {}));
    } catch (err) {
      toast('error', (err as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  // Fresh statuses whenever the section opens.
  useEffect(() => {
    void check();
  }, []);

  const use = async (c: Connection) => {
    setBusy(c.id);
    try {
      await call('connections.use', { id: c.id });
      toast('success', t('settings.connections.switched', { name: c.name }));
    } catch (err) {
      toast('error', (err as Error).message);
    } finally {
      setBusy(undefined);
    }
    // Everything on screen belonged to the previous engine.
    await qc.invalidateQueries();
  };
  const remove = async (c: Connection) => {
    setBusy(c.id);
    try {
      await call('connections.remove', { id: c.id });
      toast('success', t('settings.connections.removed', { name: c.name }));
    } catch (err) {
      toast('error', (err as Error).message);
    } finally {
      setBusy(undefined);
    }
    await qc.invalidateQueries();
  };

  return (
    <div className="settings-stack">
      <div className="settings-intro-row">
        <p className="muted settings-intro">{t('settings.connections.intro')}</p>
        <button type="button" className="btn btn-small" disabled={!!busy} onClick={() => void check()}>
          {t('settings.connections.checkAll')}
        </button>
      </div>
      <div className="card settings-card settings-card-flush">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : (
          <table className="table settings-table">
            <thead>
              <tr>
                <th>{t('common.name')}</th>
                <th className="col-kind">{t('settings.connections.kind')}</th>
                <th className="col-status">{t('common.status')}</th>
                <th className="settings-actions-col wide">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.id} aria-current={c.current ? 'true' : undefined}>
                  <td>
                    <div className="settings-conn-title">
                      <span className="settings-conn-name" title={c.name}>
                        {c.name}
                      </span>
                      {c.current && (
                        <span className="badge badge-accent">{t('settings.connections.current')}</span>
                      )}
                    </div>
                    <div className="mono settings-conn-url" title={c.url}>
                      {c.url}
                    </div>
                  </td>
                  <td>{t(`settings.connections.kind.${c.kind}` as MessageKey)}</td>
                  <td className="settings-status-cell">
                    <StatusBadge c={c} />
                    {c.status === 'down' && c.error && <div className="settings-conn-error">{c.error}</div>}
                  </td>
                  <td>
                    <div className="settings-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={c.current || !!busy}
                        aria-label={t('settings.connections.useNamed', { name: c.name })}
                        onClick={() => void use(c)}
                      >
                        {t('settings.connections.use')}
                      </button>
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={!!busy}
                        aria-label={t('settings.connections.checkNamed', { name: c.name })}
                        onClick={() => void check(c.id)}
                      >
                        {t('settings.connections.check')}
                      </button>
                      {c.custom && (
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={!!busy}
                          aria-label={t('settings.connections.removeNamed', { name: c.name })}
                          onClick={() => void remove(c)}
                        >
                          {t('common.remove')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <AddConnection onAdded={() => void qc.invalidateQueries({ queryKey: ['connections'] })} />
      <div className="card settings-card">
        <h3>{t('settings.connections.engine')}</h3>
        <CurrentEngine />
      </div>
    </div>
  );
}
