import { useT } from '../../i18n';

/** #/disk */
export function DiskPage({ params }: { params: string[] }) {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('disk.title')}</h1>
      <p className="muted">{params.join('/')}</p>
    </section>
  );
}
