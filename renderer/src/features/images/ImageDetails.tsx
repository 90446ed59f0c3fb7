import { useState, type ReactNode } from 'react';
import { useBridgeQuery } from '../../bridge/hooks';
import type { ImageDetails as Details, ImageHistoryEntry } from '../../bridge';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes, shortId, timeAgo } from '../../components/format';
import { href, navigate } from '../../app/router';
import { useLanguage, useT } from '../../i18n';
import { useRunDialog } from '../containers/run-dialog-store';
import { PlayIcon, TagIcon, TrashIcon, UploadIcon } from '../../components/icons';
import { InspectView } from './InspectView';
import { splitTag } from './reference';
import { RemoveDialog, type RemoveTarget } from './RemoveDialog';
import { TagDialog } from './TagDialog';
import { useImagesUi } from './ui-store';

type Tab = 'layers' | 'inspect';

/** `/bin/sh -c #(nop)  CMD ["sh"]` → `CMD ["sh"]`; `/bin/sh -c apk add x` → `RUN apk add x`. */
export function readableStep(createdBy: string): string {
  const s = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s+(.*)$/s.exec(s);
  if (nop) return nop[1]!.trim();
  const run = /^\/bin\/sh -c (.*)$/s.exec(s);
  if (run) return `RUN ${run[1]!.trim()}`;
  return s;
}

function layerCount(t: ReturnType<typeof useT>, count: number): string {
  return t(count === 1 ? 'images.details.layerCountOne' : 'images.details.layerCount', { count });
}

function Layers({ history }: { history: ImageHistoryEntry[] }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const largest = Math.max(1, ...history.map((h) => h.size));
  const total = history.reduce((n, h) => n + h.size, 0);
  return (
    <table className="table img-history" aria-label={t('images.details.layers')}>
      <thead>
        <tr>
          <th className="img-h-index">#</th>
          <th>{t('images.details.command')}</th>
          <th className="num img-h-size">{t('common.size')}</th>
          <th className="img-h-created">{t('common.created')}</th>
        </tr>
      </thead>
      <tbody>
        {history.map((h, i) => (
          <tr key={i} className={h.size === 0 ? 'img-h-empty' : undefined}>
            <td className="muted img-h-index">{i + 1}</td>
            <td className="img-h-command">
              <code title={h.createdBy}>{readableStep(h.createdBy) || t('images.details.noCommand')}</code>
              {h.comment && <span className="muted img-h-comment">{h.comment}</span>}
            </td>
            <td className="num img-h-size">
              <span className="img-h-bar" aria-hidden="true">
                <span style={{ width: `${(h.size / largest) * 100}%` }} />
              </span>
              {h.size > 0 ? formatBytes(h.size) : <span className="muted">0 B</span>}
            </td>
            <td className="muted img-h-created">{h.created ? timeAgo(language, h.created) : '—'}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td />
          <td className="muted">{layerCount(t, history.filter((h) => h.size > 0).length)}</td>
          <td className="num">
            <strong>{formatBytes(total)}</strong>
          </td>
          <td />
        </tr>
      </tfoot>
    </table>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="img-field">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Overview({ d }: { d: Details }) {
  const t = useT();
  const language = useLanguage((s) => s.language);
  const cmd = [...d.config.entrypoint, ...d.config.cmd].join(' ');
  return (
    <dl className="card img-overview">
      <Field label={t('images.col.id')}>
        <code className="img-wrap">{d.id}</code>
      </Field>
      <Field label={t('common.created')}>
        {d.created ? `${new Date(d.created * 1000).toLocaleString()} (${timeAgo(language, d.created)})` : '—'}
      </Field>
      <Field label={t('common.size')}>{formatBytes(d.size)}</Field>
      <Field label={t('images.details.platform')}>
        {[d.os, d.architecture, d.variant].filter(Boolean).join('/') || '—'}
      </Field>
      <Field label={t('images.details.command')}>{cmd ? <code>{cmd}</code> : '—'}</Field>
      {d.config.workingDir && (
        <Field label={t('images.details.workdir')}>
          <code>{d.config.workingDir}</code>
        </Field>
      )}
      {d.config.exposedPorts.length > 0 && (
        <Field label={t('images.details.ports')}>{d.config.exposedPorts.join(', ')}</Field>
      )}
      {d.config.env.length > 0 && (
        <Field label={t('images.details.env')}>
          <ul className="img-plain-list">
            {d.config.env.map((e) => (
              <li key={e}>
                <code className="img-wrap">{e}</code>
              </li>
            ))}
          </ul>
        </Field>
      )}
      {d.repoDigests.length > 0 && (
        <Field label={t('images.details.digests')}>
          <ul className="img-plain-list">
            {d.repoDigests.map((x) => (
              <li key={x}>
                <code className="img-wrap">{x}</code>
              </li>
            ))}
          </ul>
        </Field>
      )}
      <Field label={t('images.details.containers')}>
        {d.containers.length === 0 ? (
          <span className="muted">{t('images.details.noContainers')}</span>
        ) : (
          <ul className="img-plain-list">
            {d.containers.map((c) => (
              <li key={c.id}>
                <a href={href('containers', c.id)}>{c.name || shortId(c.id)}</a>{' '}
                <span className={`badge ${c.state === 'running' ? 'badge-success' : ''}`}>{c.state}</span>
              </li>
            ))}
          </ul>
        )}
      </Field>
    </dl>
  );
}

/** #/images/<id>[/layers|/inspect] */
export function ImageDetails({ id, tab }: { id: string; tab: Tab }) {
  const t = useT();
  const details = useBridgeQuery(['images', 'inspect', id], 'images.inspect', { id }, { retry: false });
  const history = useBridgeQuery(['images', 'history', id], 'images.history', { id }, { retry: false });
  const [removing, setRemoving] = useState<RemoveTarget>();
  const [tagging, setTagging] = useState(false);
  const openPush = useImagesUi((s) => s.openPush);

  if (details.isPending) return <Loading />;
  if (details.isError) {
    return (
      <section className="page">
        <a className="img-back" href={href('images')}>
          ← {t('images.title')}
        </a>
        <ErrorState
          error={details.error.status === 404 ? { message: t('images.details.gone') } : details.error}
          onRetry={() => void details.refetch()}
        />
      </section>
    );
  }
  const d = details.data;
  const title = d.repoTags[0] ?? shortId(d.id);
  const inUse = d.containers.length > 0;
  return (
    <section className="page img-page">
      <a className="img-back" href={href('images')}>
        ← {t('images.title')}
      </a>
      <header className="page-header img-details-header">
        <h1 className="img-title">{title}</h1>
        <span className="img-badges">
          {inUse ? (
            <span className="badge badge-success">{t('images.status.inUse')}</span>
          ) : (
            <span className="badge">{t('images.status.unused')}</span>
          )}
          {d.repoTags.length === 0 && (
            <span className="badge badge-warning">{t('images.status.dangling')}</span>
          )}
        </span>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => useRunDialog.getState().show(d.repoTags[0] ?? d.id)}
        >
          <PlayIcon />
          {t('images.action.run')}
        </button>
        <button type="button" className="btn" onClick={() => setTagging(true)}>
          <TagIcon />
          {t('images.action.tag')}
        </button>
        <button
          type="button"
          className="btn"
          disabled={d.repoTags.length === 0}
          onClick={() => openPush(d.repoTags)}
        >
          <UploadIcon />
          {t('images.action.push')}
        </button>
        <button
          type="button"
          className="btn img-btn-danger"
          onClick={() => setRemoving({ ref: d.id, label: title, tags: d.repoTags })}
        >
          <TrashIcon />
          {t('common.remove')}
        </button>
      </header>
      {d.repoTags.length > 0 && (
        <ul className="img-chips" aria-label={t('images.details.tags')}>
          {d.repoTags.map((tag) => (
            <li key={tag} className="img-chip">
              <span className="mono">{tag}</span>
              <button
                type="button"
                className="img-chip-remove"
                aria-label={t('images.details.untag', { tag })}
                title={t('images.details.untag', { tag })}
                onClick={() => setRemoving({ ref: tag, label: tag, tags: [tag] })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <Overview d={d} />
      <div className="tabs" role="tablist" aria-label={t('images.details.sections')}>
        {(['layers', 'inspect'] as const).map((x) => (
          <a
            key={x}
            role="tab"
            href={href('images', id, x)}
            aria-selected={tab === x}
            className={tab === x ? 'active' : undefined}
          >
            {x === 'layers' ? t('images.details.layers') : t('images.details.inspect')}
          </a>
        ))}
      </div>
      <div role="tabpanel" className="img-tabpanel">
        {tab === 'layers' ? (
          history.isPending ? (
            <Loading />
          ) : history.isError ? (
            <ErrorState error={history.error} onRetry={() => void history.refetch()} />
          ) : (
            <Layers history={history.data} />
          )
        ) : (
          <InspectView data={d.raw} />
        )}
      </div>
      {removing && (
        <RemoveDialog
          target={removing}
          onClose={() => setRemoving(undefined)}
          onRemoved={() => {
            if (removing.ref === d.id || d.repoTags.length <= 1) navigate('images');
          }}
        />
      )}
      {tagging && (
        <TagDialog
          image={{ id: d.id, label: title }}
          suggestion={d.repoTags[0] ? `${splitTag(d.repoTags[0])[0]}:` : undefined}
          onClose={() => setTagging(false)}
        />
      )}
    </section>
  );
}
