// The Run dialog: image, name, command, ports, volumes and bind mounts, environment, restart policy
// and limits; pulls the image when it is missing (with progress), then opens the new container.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { getBridge } from '../../bridge';
import type { BridgeError, RunEvent, Subscription } from '../../bridge/contract';
import { navigate } from '../../app/router';
import { Dialog } from '../../components/Dialog';
import { ErrorState } from '../../components/ErrorState';
import { formatBytes } from '../../components/format';
import { toast } from '../../components/toasts';
import { useT } from '../../i18n';
import {
  emptyForm,
  toRunOptions,
  type FormErrors,
  type MountRow,
  type PortRow,
  type RunForm,
} from './run-form';
import { useRunDialog } from './run-dialog-store';
import { TrashIcon } from '../../components/icons';
import './containers.css';

let nextHost = 1;

/** Renders the Run dialog if this is the first mounted host (see run-dialog-store). */
export function RunDialogHost() {
  const [id] = useState(() => nextHost++);
  const { open, image, hosts, hide, addHost, removeHost } = useRunDialog();
  useEffect(() => {
    addHost(id);
    return () => removeHost(id);
  }, [id, addHost, removeHost]);
  if (hosts[0] !== id || !open) return null;
  return <RunDialog image={image} onClose={hide} />;
}

interface Layer {
  status: string;
  current?: number;
  total?: number;
}

type Step = 'pull' | 'create' | 'start';

export function RunDialog({ image, onClose }: { image?: string; onClose(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const [form, setForm] = useState<RunForm>(() => emptyForm(image));
  const [errors, setErrors] = useState<FormErrors>({});
  const [running, setRunning] = useState(false);
  const [step, setStep] = useState<Step | null>(null);
  const [layers, setLayers] = useState<Map<string, Layer>>(new Map());
  const [failure, setFailure] = useState<{ error: BridgeError; created?: { id: string; name: string } }>();
  const sub = useRef<Subscription | undefined>(undefined);
  const created = useRef<{ id: string; name: string } | undefined>(undefined);
  const formRef = useRef<HTMLFormElement>(null);
  const uid = useId();

  useEffect(() => () => sub.current?.close(), []);

  const set = <K extends keyof RunForm>(key: K, value: RunForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    // An edited field's error goes away; the next Run checks everything again.
    setErrors((e) => {
      const stale = Object.keys(e).filter((k) => k === key || k.startsWith(`${key}.`));
      if (!stale.length) return e;
      const next = { ...e };
      for (const k of stale) delete next[k];
      return next;
    });
  };
  const err = (path: string) => (errors[path] ? t(errors[path].key, errors[path].vars) : undefined);

  const start = () => {
    const checked = toRunOptions(form);
    if ('errors' in checked) {
      setErrors(checked.errors);
      // Focus the first field that needs attention.
      requestAnimationFrame(() =>
        formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(),
      );
      return;
    }
    setErrors({});
    setFailure(undefined);
    setRunning(true);
    setStep('create');
    setLayers(new Map());
    created.current = undefined;
    sub.current = getBridge().subscribe('containers.run', checked.options, {
      onEvent: (e: RunEvent) => {
        switch (e.type) {
          case 'pulling':
            setStep('pull');
            break;
          case 'pull-progress':
            if (e.layer)
              setLayers((prev) => {
                const next = new Map(prev);
                const before = prev.get(e.layer);
                next.set(e.layer, {
                  status: e.status,
                  current: e.current ?? before?.current,
                  total: e.total ?? before?.total,
                });
                return next;
              });
            break;
          case 'pulled':
            setStep('create');
            break;
          case 'created':
            created.current = { id: e.id, name: e.name };
            setStep('start');
            break;
          case 'started':
            created.current = { id: e.id, name: e.name };
            break;
        }
      },
      onEnd: (error) => {
        sub.current = undefined;
        setRunning(false);
        void qc.invalidateQueries({ queryKey: ['containers'] });
        void qc.invalidateQueries({ queryKey: ['images'] });
        if (error) {
          if (error.code !== 'cancelled') setFailure({ error, created: created.current });
          setStep(null);
          return;
        }
        const c = created.current;
        onClose();
        if (c) {
          toast('success', t('containers.run.started', { name: c.name }));
          navigate('containers', c.id, 'logs');
        }
      },
    });
  };

  const cancel = () => {
    sub.current?.close();
    sub.current = undefined;
    setRunning(false);
    setStep(null);
  };

  const close = () => {
    cancel();
    onClose();
  };

  return (
    <Dialog
      title={t('containers.run.title')}
      open
      wide
      onClose={close}
      footer={
        running ? (
          <button type="button" className="btn" onClick={cancel}>
            {t('common.cancel')}
          </button>
        ) : (
          <>
            <button type="button" className="btn" onClick={close}>
              {t('common.cancel')}
            </button>
            <button type="submit" form={`${uid}-form`} className="btn btn-primary">
              {t('containers.run.submit')}
            </button>
          </>
        )
      }
    >
      {running ? (
        <RunProgress step={step} layers={layers} image={form.image} />
      ) : (
        <form
          id={`${uid}-form`}
          ref={formRef}
          className="run-form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            start();
          }}
        >
          {failure && (
            <div className="field-wide" style={{ marginBottom: 12 }}>
              <ErrorState error={failure.error} />
              {failure.created && (
                <p className="muted">
                  {t('containers.run.createdNotStarted', { name: failure.created.name })}{' '}
                  <a
                    href={`#/containers/${failure.created.id}/logs`}
                    onClick={() => {
                      onClose();
                    }}
                  >
                    {t('containers.run.openCreated')}
                  </a>
                </p>
              )}
            </div>
          )}
          <Field
            label={t('containers.run.image')}
            error={err('image')}
            hint={t('containers.run.imageHint')}
            wide
          >
            {(p) => (
              <input
                {...p}
                type="text"
                autoFocus
                spellCheck={false}
                value={form.image}
                placeholder="nginx:latest"
                onChange={(e) => set('image', e.target.value)}
              />
            )}
          </Field>
          <Field label={t('containers.run.name')} error={err('name')} hint={t('containers.run.nameHint')}>
            {(p) => (
              <input
                {...p}
                type="text"
                spellCheck={false}
                value={form.name}
                onChange={(e) => set('name', e.target.value)}
              />
            )}
          </Field>
          <Field
            label={t('containers.run.command')}
            error={err('command')}
            hint={t('containers.run.commandHint')}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                spellCheck={false}
                value={form.command}
                placeholder="sleep 3600"
                onChange={(e) => set('command', e.target.value)}
              />
            )}
          </Field>

          <PortsEditor rows={form.ports} onChange={(ports) => set('ports', ports)} err={err} />
          <MountsEditor rows={form.mounts} onChange={(mounts) => set('mounts', mounts)} err={err} />

          <Field label={t('containers.run.env')} error={err('env')} hint={t('containers.run.envHint')} wide>
            {(p) => (
              <textarea
                {...p}
                rows={3}
                spellCheck={false}
                value={form.env}
                placeholder={'KEY=value\nDEBUG=1'}
                onChange={(e) => set('env', e.target.value)}
              />
            )}
          </Field>
          <Field label={t('containers.run.restart')} error={err('restart')}>
            {(p) => (
              <select
                {...p}
                value={form.restart}
                onChange={(e) => set('restart', e.target.value as RunForm['restart'])}
              >
                <option value="no">{t('containers.run.restart.no')}</option>
                <option value="always">{t('containers.run.restart.always')}</option>
                <option value="unless-stopped">{t('containers.run.restart.unlessStopped')}</option>
                <option value="on-failure">{t('containers.run.restart.onFailure')}</option>
              </select>
            )}
          </Field>
          {form.restart === 'on-failure' ? (
            <Field label={t('containers.run.maxRetries')} error={err('maxRetries')}>
              {(p) => (
                <input
                  {...p}
                  type="number"
                  min={0}
                  value={form.maxRetries}
                  onChange={(e) => set('maxRetries', e.target.value)}
                />
              )}
            </Field>
          ) : (
            <Field label={t('containers.run.pull')}>
              {(p) => (
                <select
                  {...p}
                  value={form.pull}
                  onChange={(e) => set('pull', e.target.value as RunForm['pull'])}
                >
                  <option value="missing">{t('containers.run.pull.missing')}</option>
                  <option value="always">{t('containers.run.pull.always')}</option>
                  <option value="never">{t('containers.run.pull.never')}</option>
                </select>
              )}
            </Field>
          )}
          <Field label={t('containers.run.cpus')} error={err('cpus')} hint={t('containers.run.cpusHint')}>
            {(p) => (
              <input
                {...p}
                type="text"
                inputMode="decimal"
                value={form.cpus}
                placeholder="1.5"
                onChange={(e) => set('cpus', e.target.value)}
              />
            )}
          </Field>
          <Field
            label={t('containers.run.memory')}
            error={err('memory')}
            hint={t('containers.run.memoryHint')}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                value={form.memory}
                placeholder="512m"
                onChange={(e) => set('memory', e.target.value)}
              />
            )}
          </Field>
          <div className="run-checks">
            <label className="ctr-check">
              <input type="checkbox" checked={form.tty} onChange={(e) => set('tty', e.target.checked)} />
              {t('containers.run.tty')}
            </label>
            <label className="ctr-check">
              <input
                type="checkbox"
                checked={form.interactive}
                onChange={(e) => set('interactive', e.target.checked)}
              />
              {t('containers.run.interactive')}
            </label>
            <label className="ctr-check">
              <input
                type="checkbox"
                checked={form.autoRemove}
                onChange={(e) => set('autoRemove', e.target.checked)}
              />
              {t('containers.run.autoRemove')}
            </label>
          </div>
        </form>
      )}
    </Dialog>
  );
}

interface FieldProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby'?: string;
}

/** A labelled field with its hint and its error, wired with aria-invalid / aria-describedby. */
function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  wide?: boolean;
  children(p: FieldProps): ReactNode;
}) {
  const id = useId();
  const describedBy = [props.error ? `${id}-err` : '', props.hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={`field${props.wide ? ' field-wide' : ''}`}>
      <label htmlFor={id}>
        <span>{props.label}</span>
      </label>
      {props.children({ id, 'aria-invalid': !!props.error, 'aria-describedby': describedBy || undefined })}
      {props.error && (
        <div id={`${id}-err`} className="field-error" role="alert">
          {props.error}
        </div>
      )}
      {props.hint && !props.error && (
        <div id={`${id}-hint`} className="field-hint">
          {props.hint}
        </div>
      )}
    </div>
  );
}

function RowError({ text }: { text?: string }) {
  return text ? (
    <div className="field-error" role="alert">
      {text}
    </div>
  ) : null;
}

function PortsEditor(props: {
  rows: PortRow[];
  onChange(rows: PortRow[]): void;
  err(path: string): string | undefined;
}) {
  const t = useT();
  const hid = useId();
  const update = (i: number, change: Partial<PortRow>) =>
    props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <div className="run-section" role="group" aria-labelledby={`${hid}-title`}>
      <div className="run-section-head">
        <span id={`${hid}-title`}>{t('containers.run.ports')}</span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => props.onChange([...props.rows, { host: '', container: '', protocol: 'tcp' }])}
        >
          {t('containers.run.addPort')}
        </button>
      </div>
      {props.rows.length === 0 && <div className="muted run-empty">{t('containers.run.noPorts')}</div>}
      <div className="run-rows">
        {props.rows.map((r, i) => (
          <div key={i} className="run-row run-row-port">
            <div>
              <input
                type="text"
                aria-label={t('containers.run.hostPort', { n: i + 1 })}
                placeholder={t('containers.run.hostPortPlaceholder')}
                value={r.host}
                aria-invalid={!!props.err(`ports.${i}.host`)}
                onChange={(e) => update(i, { host: e.target.value })}
              />
              <RowError text={props.err(`ports.${i}.host`)} />
            </div>
            <div>
              <input
                type="text"
                aria-label={t('containers.run.containerPort', { n: i + 1 })}
                placeholder={t('containers.run.containerPortPlaceholder')}
                value={r.container}
                aria-invalid={!!props.err(`ports.${i}.container`)}
                onChange={(e) => update(i, { container: e.target.value })}
              />
              <RowError text={props.err(`ports.${i}.container`)} />
            </div>
            <select
              aria-label={t('containers.run.protocol', { n: i + 1 })}
              value={r.protocol}
              onChange={(e) => update(i, { protocol: e.target.value as PortRow['protocol'] })}
            >
              <option value="tcp">TCP</option>
              <option value="udp">UDP</option>
            </select>
            <button
              type="button"
              className="btn-icon"
              aria-label={t('containers.run.removePort', { n: i + 1 })}
              onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}
            >
              <TrashIcon />
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function MountsEditor(props: {
  rows: MountRow[];
  onChange(rows: MountRow[]): void;
  err(path: string): string | undefined;
}) {
  const t = useT();
  const hid = useId();
  const update = (i: number, change: Partial<MountRow>) =>
    props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <div className="run-section" role="group" aria-labelledby={`${hid}-title`}>
      <div className="run-section-head">
        <span id={`${hid}-title`}>{t('containers.run.mounts')}</span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() =>
            props.onChange([...props.rows, { type: 'volume', source: '', target: '', readOnly: false }])
          }
        >
          {t('containers.run.addMount')}
        </button>
      </div>
      {props.rows.length === 0 && <div className="muted run-empty">{t('containers.run.noMounts')}</div>}
      <div className="run-rows">
        {props.rows.map((r, i) => (
          <div key={i} className="run-row run-row-mount">
            <select
              aria-label={t('containers.run.mountType', { n: i + 1 })}
              value={r.type}
              onChange={(e) => update(i, { type: e.target.value as MountRow['type'] })}
            >
              <option value="volume">{t('containers.run.mountVolume')}</option>
              <option value="bind">{t('containers.run.mountBind')}</option>
            </select>
            <div>
              <input
                type="text"
                aria-label={t('containers.run.mountSource', { n: i + 1 })}
                placeholder={
                  r.type === 'bind'
                    ? t('containers.run.bindPlaceholder')
                    : t('containers.run.volumePlaceholder')
                }
                value={r.source}
                aria-invalid={!!props.err(`mounts.${i}.source`)}
                onChange={(e) => update(i, { source: e.target.value })}
              />
              <RowError text={props.err(`mounts.${i}.source`)} />
            </div>
            <div>
              <input
                type="text"
                aria-label={t('containers.run.mountTarget', { n: i + 1 })}
                placeholder={t('containers.run.targetPlaceholder')}
                value={r.target}
                aria-invalid={!!props.err(`mounts.${i}.target`)}
                onChange={(e) => update(i, { target: e.target.value })}
              />
              <RowError text={props.err(`mounts.${i}.target`)} />
            </div>
            <label className="ctr-check">
              <input
                type="checkbox"
                checked={r.readOnly}
                onChange={(e) => update(i, { readOnly: e.target.checked })}
              />
              {t('containers.run.readOnly')}
            </label>
            <button
              type="button"
              className="btn-icon"
              aria-label={t('containers.run.removeMount', { n: i + 1 })}
              onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}
            >
              <TrashIcon />
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function RunProgress({
  step,
  layers,
  image,
}: {
  step: Step | null;
  layers: Map<string, Layer>;
  image: string;
}) {
  const t = useT();
  let current = 0;
  let total = 0;
  for (const l of layers.values()) {
    if (l.total) {
      total += l.total;
      // Past the download (verifying, extracting, complete) a layer counts as fully fetched.
      const downloading = /download|waiting|pulling fs/i.test(l.status) && !/complete/i.test(l.status);
      current += downloading ? Math.min(l.current ?? 0, l.total) : l.total;
    }
  }
  const done = [...layers.values()].filter((l) => /complete|already exists/i.test(l.status)).length;
  const pct = total > 0 ? Math.round((current / total) * 100) : layers.size && done === layers.size ? 100 : 0;
  const order: Step[] = ['pull', 'create', 'start'];
  const at = step ? order.indexOf(step) : -1;
  const mark = (s: Step) => (order.indexOf(s) < at ? 'run-step run-step-done' : 'run-step');
  return (
    <div className="run-progress" aria-live="polite">
      {step === 'pull' || layers.size > 0 ? (
        <>
          <div className={mark('pull')}>
            {step === 'pull' && <span className="spinner" aria-hidden="true" />}
            {step === 'pull' ? t('containers.run.pulling', { image }) : t('containers.run.pulled', { image })}
          </div>
          <div
            className="progress"
            role="progressbar"
            aria-label={t('containers.run.pullProgress')}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
          >
            <span style={{ width: `${pct}%` }} />
          </div>
          <div className="muted" style={{ fontSize: 12 }}>
            {total > 0
              ? t('containers.run.pullBytes', { current: formatBytes(current), total: formatBytes(total) })
              : t('containers.run.pullLayers', { done, total: layers.size })}
          </div>
          <ul className="run-layers">
            {[...layers.entries()].map(([id, l]) => (
              <li key={id}>
                <span>{id.slice(0, 12)}</span>
                <span>
                  {l.status}
                  {l.total ? ` ${formatBytes(l.current ?? 0)} / ${formatBytes(l.total)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className={mark('create')}>
        {step === 'create' && <span className="spinner" aria-hidden="true" />}
        {t('containers.run.creating')}
      </div>
      <div className="run-step">
        {step === 'start' && <span className="spinner" aria-hidden="true" />}
        {t('containers.run.starting')}
      </div>
    </div>
  );
}
