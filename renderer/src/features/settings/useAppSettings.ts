// Theme and language preferences: kept in the app settings (settings.get/update), applied at start-up
// by useAppSettings() and live when changed. A copy in localStorage applies them before the first
// paint, so a dark-theme user never sees a white flash while the bridge connects.
import { useEffect } from 'react';
import { create } from 'zustand';
import { call, type LanguageSetting, type Preferences, type ThemeSetting } from '../../bridge';
import { useTheme } from '../../app/theme';
import { systemLanguage, t, useLanguage } from '../../i18n';
import { toast } from '../../components/toasts';

const CACHE_KEY = 'berth.preferences';
/** Counts saves, so an answer that a newer change overtook is not applied. */
let saving = 0;

/** The preferences as chosen (the language may be 'system'; useLanguage holds the resolved one). */
export const usePreferences = create<Preferences>(() => ({ theme: 'system', language: 'system' }));

function apply(p: Preferences) {
  usePreferences.setState(p);
  if (useTheme.getState().theme !== p.theme) useTheme.getState().setTheme(p.theme);
  const language = p.language === 'system' ? systemLanguage() : p.language;
  if (useLanguage.getState().language !== language) useLanguage.getState().setLanguage(language);
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify(p));
  } catch {
    // Storage may be unavailable (private windows); the app settings stay the source of truth.
  }
}

function cached(): Preferences | undefined {
  try {
    const p = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as Partial<Preferences> | null;
    if (
      p &&
      ['light', 'dark', 'system'].includes(p.theme as string) &&
      ['en', 'zh-CN', 'system'].includes(p.language as string)
    ) {
      return p as Preferences;
    }
  } catch {
    // ignore a damaged cache
  }
  return undefined;
}

/** Applies the cached preferences now (before React renders). */
export function applyCachedPreferences(): void {
  const p = cached();
  if (p) apply(p);
}

export async function loadPreferences(): Promise<void> {
  const before = saving;
  try {
    const saved = await call('settings.get', {});
    if (saving === before) apply(saved);
  } catch {
    // Without the backend the cached or system defaults stay; the banner explains the outage.
  }
}

async function save(change: Partial<Preferences>) {
  apply({ ...usePreferences.getState(), ...change });
  const mine = ++saving;
  try {
    const saved = await call('settings.update', change);
    // A quicker second click has already been applied; an older answer must not undo it.
    if (mine === saving) apply(saved);
  } catch (err) {
    toast('error', t('settings.saveFailed', { message: (err as Error).message }));
  }
}

export const setThemePreference = (theme: ThemeSetting) => save({ theme });
export const setLanguagePreference = (language: LanguageSetting) => save({ language });

/** Light ⇄ dark, starting from what is on screen (a 'system' theme resolves first). */
export function toggleTheme(): Promise<void> {
  const shown = document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
  return setThemePreference(shown === 'dark' ? 'light' : 'dark');
}

/** English ⇄ 简体中文. */
export function switchLanguage(): Promise<void> {
  return setLanguagePreference(useLanguage.getState().language === 'en' ? 'zh-CN' : 'en');
}

applyCachedPreferences();

/** Mount once at the top of the app: loads the saved theme and language and applies them. */
export function useAppSettings(): void {
  useEffect(() => {
    void loadPreferences();
  }, []);
}
