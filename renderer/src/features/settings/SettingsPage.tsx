import { useT } from '../../i18n';

/** #/settings/<section> */
export function SettingsPage({ params }: { params: string[] }) {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('settings.title')}</h1>
      <p className="muted">{params.join('/')}</p>
    </section>
  );
}
