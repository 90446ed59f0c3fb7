import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  isAllowedExternalUrl,
  isAllowedPermission,
  isAppNavigation,
  isTrustedSender,
  remoteHostOf,
  withCsp,
} from './security.js';

const INDEX = 'file:///opt/berth/dist/renderer/index.html';
const trusted = { webContentsIds: [7], indexUrl: INDEX };

describe('sender validation', () => {
  it('trusts the top frame of our window showing our page, at any route', () => {
    expect(isTrustedSender({ webContentsId: 7, frameUrl: INDEX, isMainFrame: true }, trusted)).toBe(true);
    expect(
      isTrustedSender(
        { webContentsId: 7, frameUrl: `${INDEX}#/containers/abc/logs`, isMainFrame: true },
        trusted,
      ),
    ).toBe(true);
  });

  it('drops other windows, iframes, other pages and vanished frames', () => {
    expect(isTrustedSender({ webContentsId: 8, frameUrl: INDEX, isMainFrame: true }, trusted)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frameUrl: INDEX, isMainFrame: false }, trusted)).toBe(false);
    expect(isTrustedSender({ webContentsId: 7, frameUrl: undefined, isMainFrame: true }, trusted)).toBe(
      false,
    );
    for (const url of [
      'https://evil.example/index.html',
      'file:///tmp/index.html',
      'file:///opt/berth/dist/renderer/other.html',
      'data:text/html,hi',
      'about:blank',
      'not a url',
    ]) {
      expect(isTrustedSender({ webContentsId: 7, frameUrl: url, isMainFrame: true }, trusted), url).toBe(
        false,
      );
    }
  });

  it('allows in-window navigation only to our page', () => {
    expect(isAppNavigation(`${INDEX}#/images`, INDEX)).toBe(true);
    expect(isAppNavigation('https://example.com/', INDEX)).toBe(false);
    expect(isAppNavigation('file:///etc/passwd', INDEX)).toBe(false);
  });
});

describe('external links', () => {
  it('opens http(s) links to loopback (published ports)', () => {
    for (const url of [
      'http://localhost:8080/',
      'http://127.0.0.1:3000/app',
      'https://127.0.0.5/',
      'http://[::1]:8080/',
      'http://0.0.0.0:80/',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(true);
    }
  });

  it('opens links to the current remote engine host only when told', () => {
    expect(isAllowedExternalUrl('http://build.example:8080/')).toBe(false);
    expect(isAllowedExternalUrl('http://build.example:8080/', ['build.example'])).toBe(true);
    expect(remoteHostOf('ssh://me@build.example')).toBe('build.example');
    expect(remoteHostOf('tcp://10.0.0.2:2375')).toBe('10.0.0.2');
    expect(remoteHostOf('unix:///var/run/docker.sock')).toBeUndefined();
  });

  it('never opens other schemes, credentials in URLs or arbitrary sites', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'vscode://file/x',
      'https://example.com/',
      'http://user:pw@localhost:8080/',
      'nonsense',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});

describe('headers and permissions', () => {
  it('replaces any content security policy with ours', () => {
    const h = withCsp({ 'content-security-policy': ['default-src *'], 'X-Other': 'a' });
    expect(h['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(h['content-security-policy']).toBeUndefined();
    expect(h['X-Other']).toEqual(['a']);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });

  it('grants the clipboard and nothing else', () => {
    expect(isAllowedPermission('clipboard-sanitized-write')).toBe(true);
    expect(isAllowedPermission('clipboard-read')).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'hid', 'serial'])
      expect(isAllowedPermission(p), p).toBe(false);
  });
});
