import { useState, type FormEvent, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useBridgeMutation, useBridgeQuery } from '../../bridge/hooks';
import { navigate } from '../../app/router';
import { Dialog } from '../../components/Dialog';
import { ErrorState, Loading } from '../../components/ErrorState';
import { formatBytes } from '../../components/format';
import { toast } from '../../components/toasts';
import { useT } from '../../i18n';
import { importIntoVolume, TransferCancelled } from './transfer';
import { useVolumesUi } from './ui-store';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** "key=value" lines → a map; returns the first bad line instead when there is one. */
export function parsePairs(text: string): Record<string, string> | { bad: string } {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { bad: line };
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** A labelled control with its hint or error below, tied to it by aria-describedby. */
function Field(props: { id: string; label: string; note?: string; error?: string; children: ReactNode }) {
  const text = props.error ?? props.note;
  return (
    <>
      <label className={text ? 'field vol-field' : 'field'} htmlFor={props.id}>
        <span>{props.label}</span>
        {props.children}
      </label>
      {text && (
        <span
          id={`${props.id}-note`}
          className={props.error ? 'vol-field-error' : 'field-hint vol-field-note'}
        >
          {text}
        </span>
      )}
    </>
  );
}

function CreateVolumeDialog({ onClose }: { onClose(): void }) {
  const t = useT();
  const create = useBridgeMutation('volumes.create', [['volumes'], ['disk']]);
  const [name, setName] = useState('');
  const [driver, setDriver] = useState('local');
  const [opts, setOpts] = useState('');
  const [labels, setLabels] = useState('');
  const [touched, setTouched] = useState(false);
  const nameError = name && !NAME.test(name) ? t('volumes.create.nameInvalid') : undefined;
  const parsedOpts = parsePairs(opts);
  const parsedLabels = parsePairs(labels);
  const optsError =
    'bad' in parsedOpts ? t('volumes.create.pairInvalid', { line: parsedOpts.bad }) : undefined;
  const labelsError =
    'bad' in parsedLabels ? t('volumes.create.pairInvalid', { line: parsedLabels.bad }) : undefined;
  const invalid = Boolean(nameError || optsError || labelsError || !driver.trim());
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (invalid) return;
    create.mutate(
      {
        ...(name ? { name } : {}),
        driver: driver.trim(),
        driverOpts: parsedOpts as Record<string, string>,
        labels: parsedLabels as Record<string, string>,
      },
      {
        onSuccess: (v) => {
          toast('success', t('volumes.created', { name: v.name }));
          onClose();
        },
      },
    );
  };
  return (
    <Dialog
      title={t('volumes.create.title')}
      open
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="vol-create"
            className="btn btn-primary"
            disabled={create.isPending || (touched && invalid)}
          >
            {t('common.create')}
          </button>
        </>
      }
    >
      <form id="vol-create" onSubmit={submit}>
        <Field
          id="vol-create-name"
          label={t('common.name')}
          error={nameError}
          note={t('volumes.create.nameHint')}
        >
          <input
            id="vol-create-name"
            type="text"
            value={name}
            autoFocus
            placeholder={t('volumes.create.namePlaceholder')}
            aria-invalid={Boolean(nameError)}
            aria-describedby="vol-create-name-note"
            onChange={(e) => setName(e.target.value.trim())}
          />
        </Field>
        <Field id="vol-create-driver" label={t('volumes.driver')}>
          <input
            id="vol-create-driver"
            type="text"
            value={driver}
            onChange={(e) => setDriver(e.target.value)}
          />
        </Field>
        <Field
          id="vol-create-opts"
          label={t('volumes.create.options')}
          error={optsError}
          note={t('volumes.create.pairsHint')}
        >
          <textarea
            id="vol-create-opts"
            rows={2}
            value={opts}
            className="mono"
            placeholder="type=tmpfs&#10;device=tmpfs"
            aria-invalid={Boolean(optsError)}
            aria-describedby="vol-create-opts-note"
            onChange={(e) => setOpts(e.target.value)}
          />
        </Field>
        <Field id="vol-create-labels" label={t('volumes.labels')} error={labelsError}>
          <textarea
            id="vol-create-labels"
            rows={2}
            value={labels}
            className="mono"
            placeholder="com.example.team=web"
            aria-invalid={Boolean(labelsError)}
            aria-describedby={labelsError ? 'vol-create-labels-note' : undefined}
            onChange={(e) => setLabels(e.target.value)}
          />
        </Field>
        {create.error && (
          <p className="error-message" role="alert">
            {create.error.message}
          </p>
        )}
      </form>
    </Dialog>
  );
}

function ImportDialog({ target, onClose }: { target?: string; onClose(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const list = useBridgeQuery(['volumes', 'list'], 'volumes.list', {});
  const [name, setName] = useState(target ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const exists = (list.data ?? []).some((v) => v.name === name);
  const nameError = name && !NAME.test(name) ? t('volumes.create.nameInvalid') : undefined;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || !name || nameError) return;
    setBusy(true);
    setError(null);
    try {
      const bytes = await importIntoVolume(name, file, true);
      toast('success', t('volumes.imported', { name, size: formatBytes(bytes) }));
      void qc.invalidateQueries({ queryKey: ['volumes'] });
      void qc.invalidateQueries({ queryKey: ['volume-files', name] });
      onClose();
      if (!target) navigate('volumes', name, 'files');
    } catch (err) {
      if (!(err instanceof TransferCancelled)) setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={target ? t('volumes.import.titleInto', { name: target }) : t('volumes.import.title')}
      open
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="vol-import"
            className="btn btn-primary"
            disabled={busy || !file || !name || Boolean(nameError)}
          >
            {busy ? t('volumes.import.busy') : t('volumes.import.submit')}
          </button>
        </>
      }
    >
      <form id="vol-import" onSubmit={(e) => void submit(e)}>
        {!target && (
          <Field
            id="vol-import-name"
            label={t('volumes.import.volume')}
            error={nameError}
            note={name ? (exists ? t('volumes.import.existing') : t('volumes.import.new')) : undefined}
          >
            <input
              id="vol-import-name"
              type="text"
              value={name}
              autoFocus
              list="vol-import-names"
              aria-invalid={Boolean(nameError)}
              aria-describedby={name ? 'vol-import-name-note' : undefined}
              onChange={(e) => setName(e.target.value.trim())}
            />
            <datalist id="vol-import-names">
              {(list.data ?? []).map((v) => (
                <option key={v.name} value={v.name} />
              ))}
            </datalist>
          </Field>
        )}
        <Field
          id="vol-import-file"
          label={t('volumes.import.file')}
          note={file ? `${file.name} · ${formatBytes(file.size)}` : t('volumes.import.fileHint')}
        >
          <input
            id="vol-import-file"
            type="file"
            accept=".tar,application/x-tar"
            aria-describedby="vol-import-file-note"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </Field>
        {target && <p className="muted">{t('volumes.import.existing')}</p>}
        {error && (
          <p className="error-message" role="alert">
            {error}
          </p>
        )}
      </form>
    </Dialog>
  );
}

function PruneDialog({ onClose }: { onClose(): void }) {
  const t = useT();
  const [all, setAll] = useState(false);
  const preview = useBridgeQuery(['volumes', 'prune-preview', all], 'volumes.prunePreview', { all });
  const prune = useBridgeMutation('volumes.prune', [['volumes'], ['disk']]);
  const doomed = preview.data?.volumes ?? [];
  return (
    <Dialog
      title={t('volumes.prune.title')}
      open
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={prune.isPending || !preview.data || doomed.length === 0}
            onClick={() =>
              prune.mutate(
                { names: doomed.map((v) => v.name) },
                {
                  onSuccess: (r) => {
                    if (r.failed.length) {
                      toast(
                        'error',
                        t('volumes.prune.failed', {
                          names: r.failed.map((f) => `${f.name}: ${f.message}`).join('; '),
                        }),
                      );
                    }
                    toast(
                      'success',
                      t('volumes.prune.done', {
                        count: r.removed.length,
                        size: formatBytes(r.spaceReclaimed),
                      }),
                    );
                    onClose();
                  },
                },
              )
            }
          >
            {t('volumes.prune.confirm', {
              count: doomed.length,
              size: formatBytes(preview.data?.space ?? 0),
            })}
          </button>
        </>
      }
    >
      <p className="muted">{t('volumes.prune.explain')}</p>
      <label className="vol-check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
        {t('volumes.prune.all')}
      </label>
      {preview.isPending ? (
        <Loading />
      ) : preview.isError ? (
        <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
      ) : doomed.length === 0 ? (
        <p className="empty-state">{t('volumes.prune.nothing')}</p>
      ) : (
        <ul className="vol-doomed" aria-label={t('volumes.prune.list')}>
          {doomed.map((v) => (
            <li key={v.name}>
              <span className="mono" title={v.name}>
                {v.name}
              </span>
              {v.anonymous && <span className="badge">{t('volumes.anonymous')}</span>}
              <span className="muted">{v.size === null ? '—' : formatBytes(v.size)}</span>
            </li>
          ))}
        </ul>
      )}
      {prune.error && (
        <p className="error-message" role="alert">
          {prune.error.message}
        </p>
      )}
    </Dialog>
  );
}

/** The dialogs of the Volumes page, opened by its buttons or the command palette. */
export function VolumeDialogs() {
  const { dialog, target, close } = useVolumesUi();
  switch (dialog) {
    case 'create':
      return <CreateVolumeDialog onClose={close} />;
    case 'import':
      return <ImportDialog target={target} onClose={close} />;
    case 'prune':
      return <PruneDialog onClose={close} />;
    default:
      return null;
  }
}
