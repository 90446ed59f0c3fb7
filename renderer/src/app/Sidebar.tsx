import { useT, type MessageKey } from '../i18n';
import { href, PAGES, type Page } from './router';

const ICONS: Record<Page, string> = {
  containers: '▣',
  images: '◈',
  volumes: '⛁',
  disk: '◔',
  settings: '⚙',
  troubleshoot: '⚕',
};

export function Sidebar({ current }: { current: Page }) {
  const t = useT();
  return (
    <nav className="sidebar" aria-label={t('nav.main')}>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ⚓
        </span>
        {t('app.name')}
      </div>
      <ul>
        {PAGES.map((p) => (
          <li key={p}>
            <a
              href={href(p)}
              className={p === current ? 'nav-link active' : 'nav-link'}
              aria-current={p === current ? 'page' : undefined}
            >
              <span className="nav-icon" aria-hidden="true">
                {ICONS[p]}
              </span>
              {t(`nav.${p}` as MessageKey)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
