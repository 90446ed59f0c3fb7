// The web UI's shell in Chromium against `berth serve` on a real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startEngine, type TestEngine } from '../support/engine.js';
import { launchBrowser, openApp, screenshot, startServe, type TestServe } from '../support/web.js';
import { httpRequest } from '../support/http.js';

let engine: TestEngine;
let serve: TestServe;
let browser: Browser;

beforeAll(async () => {
  engine = await startEngine();
  serve = await startServe(engine);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await engine?.stop();
});

describe('berth serve', () => {
  it('listens on loopback only and prints a tokened URL', () => {
    const url = new URL(serve.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(serve.token.length).toBeGreaterThanOrEqual(24);
  });

  it('refuses the bridge without the token or from another origin', async () => {
    const { WebSocket } = await import('ws');
    const base = serve.url.replace('http://', 'ws://').replace(/\/\?.*$/, '');
    const attempt = (path: string, origin?: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${base}${path}`, origin ? { origin } : {});
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('error', (e) => resolve(String(e.message)));
      });
    expect(await attempt('/bridge')).toMatch(/401/);
    expect(await attempt('/bridge?token=wrong')).toMatch(/401/);
    expect(await attempt(`/bridge?token=${serve.token}`, 'http://evil.example')).toMatch(/401/);
    expect(await attempt(`/bridge?token=${serve.token}`)).toBe('open');
  });

  it('serves the page with a strict content security policy', async () => {
    const res = await httpRequest(serve.url);
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
  });

  it('shows the shell with the embedded engine up, and navigates', async () => {
    const page = await openApp(browser, serve);
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    await expect.poll(() => page.locator('.status-dot.up').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#connection-select option:checked').textContent()).toBe('Berth (embedded)');
    // The token leaves the address bar once the page has it.
    expect(page.url()).not.toContain('token=');
    await page.getByRole('link', { name: 'Images' }).click();
    await expect.poll(() => page.url()).toContain('#/images');
    await screenshot(page, 'shell');
    expect(page.errors).toEqual([]);
  });

  it('opens the command palette with Ctrl+K and runs a command', async () => {
    const page = await openApp(browser, serve);
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    await page.keyboard.press('Control+k');
    await page.getByRole('combobox', { name: 'Command palette' }).fill('volumes');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('#/volumes');
  });

  it('speaks Simplified Chinese in a Chinese browser', async () => {
    const page = await openApp(browser, serve, { locale: 'zh-CN' });
    await page.getByRole('link', { name: '镜像' }).waitFor();
    await screenshot(page, 'shell-zh');
  });
});
