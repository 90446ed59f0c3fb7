import { useBridgeQuery } from '../../bridge/hooks';
import { ErrorState, Loading } from '../../components/ErrorState';
import { useT } from '../../i18n';

/** `docker top`, refreshed every few seconds while the tab is open. */
export function ProcessesTab({ id, running }: { id: string; running: boolean }) {
  const t = useT();
  // Processes change no engine event, so this one list is refreshed on a timer while shown.
  const top = useBridgeQuery(
    ['containerTop', id],
    'containers.top',
    { id },
    {
      enabled: running,
      refetchInterval: 3000,
      staleTime: 0,
    },
  );
  if (!running) return <div className="card ctr-note muted">{t('containers.top.notRunning')}</div>;
  if (top.isPending) return <Loading />;
  if (top.isError) return <ErrorState error={top.error} onRetry={() => void top.refetch()} />;
  const { titles, processes } = top.data;
  return (
    <div>
      <p className="muted" style={{ marginTop: 0 }}>
        {t('containers.top.count', { count: processes.length })}
      </p>
      <table className="table ctr-top-table" aria-label={t('containers.tab.processes')}>
        <thead>
          <tr>
            {titles.map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {processes.map((p, i) => (
            <tr key={i}>
              {p.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
