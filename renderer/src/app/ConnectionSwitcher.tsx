import { useQueryClient } from '@tanstack/react-query';
import { useBridgeQuery } from '../bridge/hooks';
import { call } from '../bridge';
import { useT } from '../i18n';
import { toast } from '../components/toasts';

/** The current engine and its status, with a menu to switch to another connection. */
export function ConnectionSwitcher() {
  const t = useT();
  const qc = useQueryClient();
  const summary = useBridgeQuery(
    ['system', 'summary'],
    'system.summary',
    {},
    { retry: false, refetchInterval: 15_000 },
  );
  const connections = useBridgeQuery(['connections'], 'connections.list', {});
  const current = connections.data?.find((c) => c.current);
  const up = summary.isSuccess;
  return (
    <div className="connection-switcher">
      <span
        className={`status-dot ${up ? 'up' : summary.isError ? 'down' : 'unknown'}`}
        title={up ? t('engine.status.up') : summary.error?.message}
        aria-hidden="true"
      />
      <label className="sr-only" htmlFor="connection-select">
        {t('connection.switch')}
      </label>
      <select
        id="connection-select"
        value={current?.id ?? ''}
        onChange={async (e) => {
          try {
            await call('connections.use', { id: e.target.value });
          } catch (err) {
            toast('error', (err as Error).message);
          }
          await qc.invalidateQueries();
        }}
      >
        {connections.data?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <span className="muted engine-version">
        {up
          ? `${summary.data.flavor} ${summary.data.version}`
          : summary.isError
            ? t('engine.status.down')
            : ''}
      </span>
    </div>
  );
}
