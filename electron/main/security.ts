// Who may talk to the backend and where the window may go. Pure functions (no Electron import), so
// they are unit-tested in plain Node; index.ts wires them to Electron's events.
import { CONTENT_SECURITY_POLICY } from '../web/static-files.js';

export { CONTENT_SECURITY_POLICY };

/** What main knows about the sender of an IPC message. */
export interface SenderInfo {
  /** webContents.id of the sender. */
  webContentsId: number;
  /** URL of the frame that sent it (event.senderFrame.url); undefined when the frame is gone. */
  frameUrl: string | undefined;
  /** Whether that frame is the top frame of its page (not an iframe). */
  isMainFrame: boolean;
}

/** The app's page without query or hash: file:///…/dist/renderer/index.html. */
export function pageUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    u.hash = '';
    u.search = '';
    return u.href;
  } catch {
    return undefined;
  }
}

/**
 * A message is ours only when it comes from the top frame of one of our windows showing our own page
 * (file://…/index.html). Anything else — another webContents, an iframe, a page the window was
 * somehow navigated to — is dropped before the bridge sees it.
 */
export function isTrustedSender(
  sender: SenderInfo,
  trusted: { webContentsIds: Iterable<number>; indexUrl: string },
): boolean {
  if (![...trusted.webContentsIds].includes(sender.webContentsId)) return false;
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  const url = pageUrl(sender.frameUrl);
  return url !== undefined && url.startsWith('file:') && url === pageUrl(trusted.indexUrl);
}

/** Navigation inside the window: only our page (any route in its hash). */
export function isAppNavigation(url: string, indexUrl: string): boolean {
  const page = pageUrl(url);
  return page !== undefined && page === pageUrl(indexUrl);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

/**
 * Links the app may hand to the system browser (shell.openExternal): http(s) only — never file:,
 * custom protocol handlers or anything a compromised page could use to run programs — and only to
 * where published container ports live: loopback (the local engine) and `extraHosts` (the host of the
 * current remote connection, whose published ports are on that machine).
 */
export function isAllowedExternalUrl(url: string, extraHosts: Iterable<string> = []): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  if (LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return [...extraHosts].some((h) => h.toLowerCase() === host);
}

/** The host of an engine URL whose published ports are reachable by that name (ssh://, tcp://). */
export function remoteHostOf(engineUrl: string | undefined): string | undefined {
  if (!engineUrl) return undefined;
  try {
    const u = new URL(engineUrl);
    return ['ssh:', 'tcp:', 'http:', 'https:'].includes(u.protocol) && u.hostname ? u.hostname : undefined;
  } catch {
    return undefined;
  }
}

/** Response headers with our CSP set (replacing any other), for session.webRequest.onHeadersReceived. */
export function withCsp(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

/** Permissions the page may use: clipboard only (copy buttons, terminal paste). */
export function isAllowedPermission(permission: string): boolean {
  return permission === 'clipboard-sanitized-write' || permission === 'clipboard-read';
}
