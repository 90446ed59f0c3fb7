import { useT } from '../../i18n';

/** #/images */
export function ImagesPage({ params }: { params: string[] }) {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('images.title')}</h1>
      <p className="muted">{params.join('/')}</p>
    </section>
  );
}
