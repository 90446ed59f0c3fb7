import type { ContainerState } from '../../bridge/contract';
import { useT, type MessageKey } from '../../i18n';

const CLASS: Record<ContainerState, string> = {
  running: 'badge-success',
  paused: 'badge-warning',
  restarting: 'badge-warning',
  removing: 'badge-warning',
  created: '',
  exited: '',
  dead: 'badge-danger',
};

/** The state as a colored badge; docker's own status text ("Up 3 minutes") is its tooltip. */
export function StatusBadge({ state, status }: { state: ContainerState; status?: string }) {
  const t = useT();
  const exit = state === 'exited' ? /Exited \((-?\d+)\)/.exec(status ?? '')?.[1] : undefined;
  const cls = exit !== undefined && exit !== '0' ? 'badge-danger' : CLASS[state];
  return (
    <span className={`badge ctr-badge ${cls}`} title={status}>
      <span className="ctr-dot" aria-hidden="true" />
      {exit !== undefined
        ? t('containers.state.exitedCode', { code: exit })
        : t(`containers.state.${state}` as MessageKey)}
    </span>
  );
}
