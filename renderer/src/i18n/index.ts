// Strings in English and Simplified Chinese. Each feature owns its messages file; t() is typed over
// every key, so a missing or misspelt key is a compile error.
import { create } from 'zustand';
import common from './common';
import containers from '../features/containers/messages';
import images from '../features/images/messages';
import volumes from '../features/volumes/messages';
import disk from '../features/disk/messages';
import terminal from '../features/terminal/messages';
import logs from '../features/logs/messages';
import settings from '../features/settings/messages';

const catalogs = [common, containers, images, volumes, disk, terminal, logs, settings];

export type MessageKey =
  | keyof typeof common.en
  | keyof typeof containers.en
  | keyof typeof images.en
  | keyof typeof volumes.en
  | keyof typeof disk.en
  | keyof typeof terminal.en
  | keyof typeof logs.en
  | keyof typeof settings.en;

export type Language = 'en' | 'zh-CN';
export const LANGUAGES: Language[] = ['en', 'zh-CN'];

const tables: Record<Language, Record<string, string>> = {
  en: Object.assign({}, ...catalogs.map((c) => c.en)),
  'zh-CN': Object.assign({}, ...catalogs.map((c) => c.zh)),
};

export function systemLanguage(): Language {
  return typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('zh')
    ? 'zh-CN'
    : 'en';
}

export const useLanguage = create<{ language: Language; setLanguage(l: Language): void }>((set) => ({
  language: systemLanguage(),
  setLanguage: (language) => {
    document.documentElement.lang = language;
    set({ language });
  },
}));

export type Vars = Record<string, string | number>;

export function translate(language: Language, key: MessageKey, vars?: Vars): string {
  const template = tables[language][key] ?? tables.en[key] ?? key;
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** t() outside React (uses the current language). */
export function t(key: MessageKey, vars?: Vars): string {
  return translate(useLanguage.getState().language, key, vars);
}

/** t() for components: re-renders when the language changes. */
export function useT(): (key: MessageKey, vars?: Vars) => string {
  const language = useLanguage((s) => s.language);
  return (key, vars) => translate(language, key, vars);
}

/** For tests: every language has every key. */
export function missingTranslations(): string[] {
  return Object.keys(tables.en).filter((k) => !(k in tables['zh-CN']));
}
