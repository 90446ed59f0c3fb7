import { useT, type MessageKey } from '../../i18n';
import { href } from '../../app/router';
import { AppearanceSection } from './AppearanceSection';
import { ConnectionsSection } from './ConnectionsSection';
import { RegistriesSection } from './RegistriesSection';
import { EngineSection } from './EngineSection';
import './settings.css';

const SECTIONS = ['appearance', 'connections', 'registries', 'engine'] as const;
type Section = (typeof SECTIONS)[number];

/** #/settings/<section> */
export function SettingsPage({ params }: { params: string[] }) {
  const t = useT();
  const section: Section = (SECTIONS as readonly string[]).includes(params[0] ?? '')
    ? (params[0] as Section)
    : 'appearance';
  return (
    <section className="page settings-page">
      <div className="page-header">
        <h1>{t('settings.title')}</h1>
      </div>
      <div className="settings-layout">
        <nav className="settings-nav" aria-label={t('settings.sections')}>
          {SECTIONS.map((s) => (
            <a
              key={s}
              href={href('settings', s)}
              className={s === section ? 'settings-nav-link active' : 'settings-nav-link'}
              aria-current={s === section ? 'page' : undefined}
            >
              {t(`settings.section.${s}` as MessageKey)}
            </a>
          ))}
        </nav>
        <div className="settings-body">
          <h2 className="settings-section-title">{t(`settings.section.${section}` as MessageKey)}</h2>
          {section === 'appearance' && <AppearanceSection />}
          {section === 'connections' && <ConnectionsSection />}
          {section === 'registries' && <RegistriesSection />}
          {section === 'engine' && <EngineSection />}
        </div>
      </div>
    </section>
  );
}
