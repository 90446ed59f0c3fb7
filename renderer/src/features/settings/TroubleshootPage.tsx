import { useT } from '../../i18n';

/** #/troubleshoot */
export function TroubleshootPage() {
  const t = useT();
  return (
    <section className="page">
      <h1>{t('nav.troubleshoot')}</h1>
    </section>
  );
}
