// One row of the container list: a Compose project (collapsible group) or a container.
import { memo, type MouseEvent } from 'react';
import type { ContainerSummary, PortMapping } from '../../bridge/contract';
import { href } from '../../app/router';
import { Sparkline } from '../../components/Sparkline';
import { formatBytes, shortId, timeAgo } from '../../components/format';
import { useLanguage, useT } from '../../i18n';
import { isRunning, type Row } from './list-model';
import { HISTORY, useStatsHistory } from './stats-history';
import { StatusBadge } from './StatusBadge';
import { PlayIcon, StopIcon, TrashIcon } from '../../components/icons';

export type Selection = 'none' | 'some' | 'all';

export interface RowHandlers {
  /** Click on the row itself (not a control). */
  onRowClick(index: number, e: MouseEvent): void;
  onCheck(index: number, shift: boolean): void;
  onToggleGroup(project: string): void;
  onOpen(id: string): void;
  onStartStop(c: ContainerSummary): void;
  onGroupStartStop(containers: ContainerSummary[]): void;
  onRemove(containers: ContainerSummary[]): void;
}

// One formatter for every row: toLocaleString() builds a new one per call, which adds up while scrolling.
let formatter: Intl.DateTimeFormat | undefined;
export function dateTime(ms: number): string {
  formatter ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  return formatter.format(ms);
}

/** Where a published port is reached from this machine. */
export function portUrl(p: PortMapping): string | undefined {
  if (!p.publicPort) return undefined;
  const any = !p.ip || p.ip === '0.0.0.0' || p.ip === '::';
  const host = any ? 'localhost' : p.ip!.includes(':') ? `[${p.ip}]` : p.ip;
  return `http://${host}:${p.publicPort}`;
}

function Ports({ ports }: { ports: PortMapping[] }) {
  const t = useT();
  const shown = ports.slice(0, 2);
  return (
    <span className="ctr-ports">
      {shown.map((p) => {
        const url = portUrl(p);
        const text = p.publicPort ? `${p.publicPort}:${p.privatePort}` : `${p.privatePort}/${p.type}`;
        return url ? (
          <a
            key={`${p.privatePort}/${p.type}/${p.publicPort}`}
            className="ctr-port"
            href={url}
            target="_blank"
            rel="noreferrer noopener"
            title={t('containers.list.openPort', { url })}
            onClick={(e) => e.stopPropagation()}
          >
            {text}
            <span aria-hidden="true"> ↗</span>
          </a>
        ) : (
          <span key={`${p.privatePort}/${p.type}`} className="ctr-port ctr-port-private">
            {text}
          </span>
        );
      })}
      {ports.length > 2 && (
        <span
          className="muted"
          title={ports
            .map((p) => (p.publicPort ? `${p.publicPort}:${p.privatePort}` : p.privatePort))
            .join(', ')}
        >
          +{ports.length - 2}
        </span>
      )}
    </span>
  );
}

/** CPU and memory cells. The same elements whether or not samples exist, so rows scrolling in reuse them. */
function Usage({ c }: { c: ContainerSummary }) {
  const t = useT();
  const h = useStatsHistory((s) => (c.state === 'running' ? s.byId[c.id] : undefined));
  const cpu = h?.cpu ?? [];
  const mem = h?.mem ?? [];
  // The line widens to a minute as samples arrive, so a fresh sparkline is not a dot at the edge.
  const capacity = Math.min(HISTORY, Math.max(20, cpu.length));
  return (
    <>
      <span className="ctr-cell ctr-cpu" role="gridcell">
        <Sparkline
          className={h ? 'sparkline' : 'sparkline sparkline-off'}
          values={cpu}
          capacity={capacity}
          max={10}
          label={t('containers.list.cpuOf', { name: c.name })}
        />
        <span className="ctr-num">{h ? `${(cpu.at(-1) ?? 0).toFixed(1)}%` : '—'}</span>
      </span>
      <span className="ctr-cell ctr-mem" role="gridcell">
        <Sparkline
          className={h ? 'sparkline sparkline-mem' : 'sparkline sparkline-mem sparkline-off'}
          values={mem}
          capacity={capacity}
          label={t('containers.list.memOf', { name: c.name })}
        />
        <span className="ctr-num">{h ? formatBytes(mem.at(-1) ?? 0) : '—'}</span>
      </span>
    </>
  );
}

export const ContainerRow = memo(function ContainerRow(props: {
  row: Row;
  index: number;
  start: number;
  size: number;
  selected: Selection;
  active: boolean;
  handlers: RowHandlers;
  rowId: string;
}) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const { row, index, handlers: h } = props;
  const style = { transform: `translateY(${props.start}px)`, height: props.size };
  const cls = `ctr-row${props.active ? ' active' : ''}${props.selected === 'all' ? ' selected' : ''}`;

  if (row.kind === 'group') {
    const label = t('containers.list.selectGroup', { name: row.project });
    return (
      <div
        id={props.rowId}
        role="row"
        aria-rowindex={index + 2}
        aria-selected={props.selected === 'all'}
        aria-expanded={!row.collapsed}
        className={`${cls} ctr-group`}
        style={style}
        onClick={(e) => h.onRowClick(index, e)}
      >
        <span className="ctr-cell ctr-check-cell" role="gridcell">
          <input
            type="checkbox"
            aria-label={label}
            checked={props.selected === 'all'}
            ref={(el) => {
              if (el) el.indeterminate = props.selected === 'some';
            }}
            onClick={(e) => e.stopPropagation()}
            onChange={(e) => h.onCheck(index, (e.nativeEvent as unknown as { shiftKey: boolean }).shiftKey)}
          />
        </span>
        <span className="ctr-cell ctr-name-cell" role="gridcell">
          <button
            type="button"
            className="ctr-group-toggle"
            aria-expanded={!row.collapsed}
            aria-label={t(row.collapsed ? 'containers.list.expand' : 'containers.list.collapse', {
              name: row.project,
            })}
            onClick={(e) => {
              e.stopPropagation();
              h.onToggleGroup(row.project);
            }}
          >
            <span className="ctr-caret" aria-hidden="true">
              {row.collapsed ? '▸' : '▾'}
            </span>
            <span className="ctr-group-icon" aria-hidden="true">
              ▤
            </span>
            <span className="ctr-name">{row.project}</span>
          </button>
        </span>
        <span className="ctr-cell ctr-status" role="gridcell">
          <span className="muted">
            {t('containers.list.groupCount', { running: row.running, total: row.containers.length })}
          </span>
        </span>
        <span className="ctr-cell ctr-image muted" role="gridcell">
          {t('containers.list.compose')}
        </span>
        <span className="ctr-cell ctr-ports-cell" role="gridcell">
          <Ports ports={row.containers.flatMap((c) => c.ports)} />
        </span>
        <span className="ctr-cell ctr-cpu" role="gridcell" />
        <span className="ctr-cell ctr-mem" role="gridcell" />
        <span className="ctr-cell ctr-created" role="gridcell" />
        <span className="ctr-cell ctr-actions" role="gridcell">
          <button
            type="button"
            className="btn-icon"
            aria-label={t(row.running > 0 ? 'containers.action.stopName' : 'containers.action.startName', {
              name: row.project,
            })}
            title={t(row.running > 0 ? 'containers.action.stop' : 'containers.action.start')}
            onClick={(e) => {
              e.stopPropagation();
              h.onGroupStartStop(row.containers);
            }}
          >
            {row.running > 0 ? <StopIcon /> : <PlayIcon />}
          </button>
          <button
            type="button"
            className="btn-icon ctr-remove"
            aria-label={t('containers.action.removeName', { name: row.project })}
            title={t('containers.action.remove')}
            onClick={(e) => {
              e.stopPropagation();
              h.onRemove(row.containers);
            }}
          >
            <TrashIcon />
          </button>
        </span>
      </div>
    );
  }

  const c = row.c;
  const running = isRunning(c);
  return (
    <div
      id={props.rowId}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={props.selected === 'all'}
      className={`${cls}${row.project ? ' ctr-in-group' : ''}`}
      style={style}
      onClick={(e) => h.onRowClick(index, e)}
      onDoubleClick={() => h.onOpen(c.id)}
    >
      <span className="ctr-cell ctr-check-cell" role="gridcell">
        <input
          type="checkbox"
          aria-label={t('containers.list.select', { name: c.name })}
          checked={props.selected === 'all'}
          onClick={(e) => e.stopPropagation()}
          onChange={(e) => h.onCheck(index, (e.nativeEvent as unknown as { shiftKey: boolean }).shiftKey)}
        />
      </span>
      <span className="ctr-cell ctr-name-cell" role="gridcell">
        <a
          className="ctr-name"
          href={href('containers', c.id, 'logs')}
          title={c.name}
          onClick={(e) => e.stopPropagation()}
        >
          {c.name}
        </a>
        <span className="ctr-sub mono">{shortId(c.id)}</span>
      </span>
      <span className="ctr-cell ctr-status" role="gridcell">
        <StatusBadge state={c.state} status={c.status} />
      </span>
      <span className="ctr-cell ctr-image" role="gridcell" title={c.image}>
        {c.image}
      </span>
      <span className="ctr-cell ctr-ports-cell" role="gridcell">
        <Ports ports={c.ports} />
      </span>
      <Usage c={c} />
      <span className="ctr-cell ctr-created" role="gridcell" title={dateTime(c.created * 1000)}>
        {timeAgo(language, c.created)}
      </span>
      <span className="ctr-cell ctr-actions" role="gridcell">
        <button
          type="button"
          className="btn-icon"
          aria-label={t(running ? 'containers.action.stopName' : 'containers.action.startName', {
            name: c.name,
          })}
          title={t(running ? 'containers.action.stop' : 'containers.action.start')}
          onClick={(e) => {
            e.stopPropagation();
            h.onStartStop(c);
          }}
        >
          {running ? <StopIcon /> : <PlayIcon />}
        </button>
        <button
          type="button"
          className="btn-icon ctr-remove"
          aria-label={t('containers.action.removeName', { name: c.name })}
          title={t('containers.action.remove')}
          onClick={(e) => {
            e.stopPropagation();
            h.onRemove([c]);
          }}
        >
          <TrashIcon />
        </button>
      </span>
    </div>
  );
});
