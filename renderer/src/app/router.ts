// Hash routes (#/containers/abc/logs): work in a file:// Electron window and in a browser alike, and
// let tests and links open any page directly.
import { useSyncExternalStore } from 'react';

export type Page = 'containers' | 'images' | 'volumes' | 'disk' | 'settings' | 'troubleshoot';
export const PAGES: Page[] = ['containers', 'images', 'volumes', 'disk', 'settings', 'troubleshoot'];

export interface Route {
  page: Page;
  /** The rest of the path, decoded: ['abc', 'logs'] for #/containers/abc/logs. */
  params: string[];
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const page = (PAGES as string[]).includes(parts[0] ?? '') ? (parts[0] as Page) : 'containers';
  return { page, params: page === parts[0] ? parts.slice(1) : [] };
}

export function href(page: Page, ...params: string[]): string {
  return `#/${[page, ...params].map(encodeURIComponent).join('/')}`;
}

export function navigate(page: Page, ...params: string[]): void {
  location.hash = href(page, ...params);
}

function subscribe(cb: () => void) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}
