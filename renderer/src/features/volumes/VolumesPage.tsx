import { useT } from '../../i18n';

/** #/volumes */
export function VolumesPage({ params }: { params: string[] }) {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('volumes.title')}</h1>
      <p className="muted">{params.join('/')}</p>
    </section>
  );
}
