import { translate, type Language } from '../i18n';

export function formatBytes(n: number | undefined | null, digits = 1): string {
  if (n === undefined || n === null || !Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? digits : v < 100 ? Math.min(digits, 1) : 0)} ${units[i]}`;
}

/** "3 minutes ago", from a time in seconds or milliseconds since the epoch. */
export function timeAgo(language: Language, when: number, now = Date.now()): string {
  const ms = when < 1e12 ? when * 1000 : when;
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return translate(language, 'time.justNow');
  if (s < 60) return translate(language, 'time.secondsAgo', { count: s });
  const m = Math.floor(s / 60);
  if (m < 60) return translate(language, 'time.minutesAgo', { count: m });
  const h = Math.floor(m / 60);
  if (h < 24) return translate(language, 'time.hoursAgo', { count: h });
  const d = Math.floor(h / 24);
  if (d < 30) return translate(language, 'time.daysAgo', { count: d });
  const mo = Math.floor(d / 30);
  if (mo < 12) return translate(language, 'time.monthsAgo', { count: mo });
  return translate(language, 'time.yearsAgo', { count: Math.floor(d / 365) });
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
