import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { useT } from '../../i18n';
import { LoginForm } from './LoginForm';
import { registryOf } from './reference';
import { TransferView } from './TransferView';
import { useTransfers } from './transfers';
import { useImagesUi } from './ui-store';

/** Push one of an image's tags, logging in first when the registry asks for it. */
export function PushDialog() {
  const t = useT();
  const push = useImagesUi((s) => s.push);
  const { openPush, closePush } = useImagesUi.getState();
  const transfer = useTransfers((s) => s.transfers.find((x) => x.id === push?.transfer));
  const { start, cancel } = useTransfers.getState();
  const [chosen, setChosen] = useState<string>();
  if (!push) return null;
  const tags = push.tags;
  const ref = chosen && tags.includes(chosen) ? chosen : tags[0];
  const begin = (target: string) => openPush(tags, start('push', target));
  const needsLogin = transfer?.state === 'failed' && transfer.error?.status === 401;

  let body;
  let footer;
  if (!transfer) {
    body =
      tags.length === 0 ? (
        <p>{t('images.push.noTags')}</p>
      ) : (
        <>
          <label className="field">
            <span>{t('images.push.tag')}</span>
            <select value={ref} onChange={(e) => setChosen(e.target.value)}>
              {tags.map((tag) => (
                <option key={tag} value={tag}>
                  {tag}
                </option>
              ))}
            </select>
          </label>
          {ref && <p className="field-hint">{t('images.push.to', { registry: registryOf(ref) })}</p>}
        </>
      );
    footer = (
      <>
        <button type="button" className="btn" onClick={closePush}>
          {t('common.cancel')}
        </button>
        <button type="button" className="btn btn-primary" disabled={!ref} onClick={() => ref && begin(ref)}>
          {t('images.push.submit')}
        </button>
      </>
    );
  } else if (needsLogin) {
    body = (
      <LoginForm
        registry={registryOf(transfer.ref)}
        reason={t('images.login.neededPush', { registry: registryOf(transfer.ref) })}
        onDone={() => begin(transfer.ref)}
        onCancel={closePush}
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
            {t('images.push.complete')}
          </p>
        )}
      </>
    );
    footer =
      transfer.state === 'running' ? (
        <>
          <button type="button" className="btn btn-danger" onClick={() => cancel(transfer.id)}>
            {t('images.push.cancel')}
          </button>
          <button type="button" className="btn" onClick={closePush}>
            {t('images.pull.background')}
          </button>
        </>
      ) : (
        <>
          {transfer.state !== 'done' && (
            <button type="button" className="btn" onClick={() => begin(transfer.ref)}>
              {t('common.retry')}
            </button>
          )}
          <button type="button" className="btn btn-primary" onClick={closePush}>
            {t('common.close')}
          </button>
        </>
      );
  }
  return (
    <Dialog title={t('images.push.title')} open onClose={closePush} footer={footer} wide={!!transfer}>
      {body}
    </Dialog>
  );
}
