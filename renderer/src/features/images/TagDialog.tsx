import { useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { toast } from '../../components/toasts';
import { useBridgeMutation } from '../../bridge/hooks';
import { useT } from '../../i18n';
import { isValidTag } from './reference';

/** Adds a tag (name or name:tag) to an image. */
export function TagDialog({
  image,
  suggestion,
  onClose,
}: {
  image: { id: string; label: string };
  suggestion?: string;
  onClose(): void;
}) {
  const t = useT();
  const [target, setTarget] = useState(suggestion ?? '');
  const tag = useBridgeMutation('images.tag', [['images']]);
  const trimmed = target.trim();
  const valid = isValidTag(trimmed);
  return (
    <Dialog
      title={t('images.tag.title')}
      open
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="submit"
            form="img-tag-form"
            className="btn btn-primary"
            disabled={!valid || tag.isPending}
          >
            {t('images.tag.submit')}
          </button>
        </>
      }
    >
      <form
        id="img-tag-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!valid) return;
          try {
            const ref = await tag.mutateAsync({ id: image.id, target: trimmed });
            toast('success', t('images.tag.done', { ref }));
            onClose();
          } catch {
            // Shown below.
          }
        }}
      >
        <p className="muted">{t('images.tag.source', { image: image.label })}</p>
        <div className="field">
          <label htmlFor="img-tag-target" className="img-field-label">
            {t('images.tag.target')}
          </label>
          <input
            id="img-tag-target"
            autoFocus
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="registry.example.com:5000/app:1.0"
            aria-invalid={trimmed !== '' && !valid}
            aria-describedby="img-tag-hint"
            spellCheck={false}
          />
          <span id="img-tag-hint" className="field-hint">
            {t('images.tag.hint')}
          </span>
        </div>
        {tag.error && (
          <p className="img-error" role="alert">
            {tag.error.message}
          </p>
        )}
      </form>
    </Dialog>
  );
}
