import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useT } from '../../i18n';
import { useRunDialog } from '../containers/run-dialog-store';
import { LoginForm } from './LoginForm';
import { isValidRef, registryOf } from './reference';
import { TransferView } from './TransferView';
import { useTransfers } from './transfers';
import { useImagesUi } from './ui-store';

const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];

/** Pull an image: a form, then live per-layer progress. Closing it lets the pull go on. */
export function PullDialog() {
  const t = useT();
  const { pullOpen, pullTransfer, closePull, openPull } = useImagesUi();
  const transfer = useTransfers((s) => s.transfers.find((x) => x.id === pullTransfer));
  const { start, cancel } = useTransfers.getState();
  const [ref, setRef] = useState('');
  const [platform, setPlatform] = useState('');
  const trimmed = ref.trim();
  const valid = isValidRef(trimmed);
  const needsLogin = transfer?.state === 'failed' && transfer.error?.status === 401;

  const pull = (target: string, plat?: string) =>
    openPull(start('pull', target, { platform: plat || undefined }));

  let body;
  let footer;
  if (!transfer) {
    body = (
      <form
        id="img-pull-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) pull(trimmed, platform);
        }}
      >
        <div className="field">
          <label htmlFor="img-pull-ref" className="img-field-label">
            {t('images.pull.image')}
          </label>
          <input
            id="img-pull-ref"
            autoFocus
            value={ref}
            onChange={(e) => setRef(e.target.value)}
            placeholder="busybox:latest"
            aria-invalid={trimmed !== '' && !valid}
            aria-describedby="img-pull-hint"
            spellCheck={false}
          />
          <span id="img-pull-hint" className="field-hint">
            {t('images.pull.hint')}
          </span>
        </div>
        <label className="field">
          <span>{t('images.pull.platform')}</span>
          <select value={platform} onChange={(e) => setPlatform(e.target.value)}>
            <option value="">{t('images.pull.platformDefault')}</option>
            {PLATFORMS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      </form>
    );
    footer = (
      <>
        <button type="button" className="btn" onClick={closePull}>
          {t('common.cancel')}
        </button>
        <button type="submit" form="img-pull-form" className="btn btn-primary" disabled={!valid}>
          {t('images.pull.submit')}
        </button>
      </>
    );
  } else if (needsLogin) {
    body = (
      <LoginForm
        registry={registryOf(transfer.ref)}
        reason={t('images.login.neededPull', { registry: registryOf(transfer.ref) })}
        onDone={() => pull(transfer.ref, transfer.platform)}
        onCancel={closePull}
      />
    );
  } else {
    body = (
      <>
        <TransferView transfer={transfer} />
        {transfer.state === 'failed' && (
          <p className="img-error" role="alert">
            {transfer.error?.message}
          </p>
        )}
        {transfer.state === 'done' && (
          <p className="img-success" role="status">
            {transfer.upToDate ? t('images.pull.upToDate') : t('images.pull.complete')}
          </p>
        )}
        {transfer.state === 'cancelled' && <p className="muted">{t('images.pull.cancelled')}</p>}
      </>
    );
    footer =
      transfer.state === 'running' ? (
        <>
          <button type="button" className="btn btn-danger" onClick={() => cancel(transfer.id)}>
            {t('images.pull.cancel')}
          </button>
          <button type="button" className="btn" onClick={closePull}>
            {t('images.pull.background')}
          </button>
        </>
      ) : (
        <>
          <button type="button" className="btn" onClick={() => openPull(undefined)}>
            {t('images.pull.another')}
          </button>
          {transfer.state === 'failed' || transfer.state === 'cancelled' ? (
            <button type="button" className="btn" onClick={() => pull(transfer.ref, transfer.platform)}>
              {t('common.retry')}
            </button>
          ) : (
            <button
              type="button"
              className="btn"
              onClick={() => {
                closePull();
                useRunDialog.getState().show(transfer.ref);
              }}
            >
              {t('images.action.run')}
            </button>
          )}
          <button type="button" className="btn btn-primary" onClick={closePull}>
            {t('common.close')}
          </button>
        </>
      );
  }
  return (
    <Dialog
      title={t('images.pull.title')}
      open={pullOpen}
      onClose={closePull}
      footer={footer}
      wide={!!transfer}
    >
      {body}
    </Dialog>
  );
}
