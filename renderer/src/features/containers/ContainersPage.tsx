import { useT } from '../../i18n';

/** #/containers (list) and #/containers/<id>/<tab> (details). */
export function ContainersPage({ params }: { params: string[] }) {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('containers.title')}</h1>
      <p className="muted">{params.join('/')}</p>
    </section>
  );
}
