import { useT, type MessageKey } from '../../i18n';
import type { LanguageSetting, ThemeSetting } from '../../bridge';
import { setLanguagePreference, setThemePreference, usePreferences } from './useAppSettings';

const THEMES: ThemeSetting[] = ['light', 'dark', 'system'];
/** Each language is named in itself, so anyone can find their own. */
const LANGUAGES: { value: LanguageSetting; label?: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
  { value: 'system' },
];

export function AppearanceSection() {
  const t = useT();
  const { theme, language } = usePreferences();
  return (
    <div className="settings-stack">
      <div className="card settings-card">
        <div className="settings-row">
          <div>
            <div className="settings-label" id="theme-label">
              {t('settings.theme')}
            </div>
            <div className="field-hint">{t('settings.theme.hint')}</div>
          </div>
          <div className="segmented" role="group" aria-labelledby="theme-label">
            {THEMES.map((v) => (
              <button
                key={v}
                type="button"
                aria-pressed={theme === v}
                onClick={() => void setThemePreference(v)}
              >
                {t(`settings.theme.${v}` as MessageKey)}
              </button>
            ))}
          </div>
        </div>
        <div className="settings-row">
          <div>
            <div className="settings-label" id="language-label">
              {t('settings.language')}
            </div>
            <div className="field-hint">{t('settings.language.hint')}</div>
          </div>
          <div className="segmented" role="group" aria-labelledby="language-label">
            {LANGUAGES.map((l) => (
              <button
                key={l.value}
                type="button"
                lang={l.value === 'system' ? undefined : l.value}
                aria-pressed={language === l.value}
                onClick={() => void setLanguagePreference(l.value)}
              >
                {l.label ?? t('settings.language.system')}
              </button>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}
