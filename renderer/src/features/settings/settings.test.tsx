// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { setBridge, type EngineStatus, type Preferences } from '../../bridge';
import { fakeBridge, polyfillDialog } from '../../components/fake-bridge';
import { useLanguage } from '../../i18n';
import { useTheme } from '../../app/theme';
import { AppearanceSection } from './AppearanceSection';
import { TroubleshootPage } from './TroubleshootPage';
import { loadPreferences, switchLanguage, toggleTheme } from './useAppSettings';

function wrap(node: ReactNode) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(<QueryClientProvider client={qc}>{node}</QueryClientProvider>);
}

let saved: Preferences;
let bridge: ReturnType<typeof fakeBridge>;

beforeAll(() => polyfillDialog());
beforeEach(() => {
  localStorage.clear();
  saved = { theme: 'system', language: 'system' };
  bridge = fakeBridge({
    'settings.get': () => saved,
    'settings.update': (change: Partial<Preferences>) => (saved = { ...saved, ...change }),
  });
  setBridge(bridge);
  useLanguage.getState().setLanguage('en');
  useTheme.getState().setTheme('light');
});
afterEach(() => cleanup());

describe('appearance', () => {
  it('applies the saved theme and language at start-up', async () => {
    saved = { theme: 'dark', language: 'zh-CN' };
    await loadPreferences();
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(useLanguage.getState().language).toBe('zh-CN');
    expect(JSON.parse(localStorage.getItem('berth.preferences')!)).toEqual(saved);
  });

  it('switches theme and language live and saves them', async () => {
    wrap(<AppearanceSection />);
    fireEvent.click(screen.getByRole('button', { name: 'Dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    fireEvent.click(screen.getByRole('button', { name: '简体中文' }));
    await screen.findByRole('group', { name: '主题' });
    expect(screen.getByRole('button', { name: '深色' }).getAttribute('aria-pressed')).toBe('true');
    await waitFor(() => expect(saved).toEqual({ theme: 'dark', language: 'zh-CN' }));
    expect(bridge.calls.filter((c) => c.method === 'settings.update').map((c) => c.args)).toEqual([
      { theme: 'dark' },
      { language: 'zh-CN' },
    ]);
  });

  it('toggles from the palette commands', async () => {
    await toggleTheme();
    expect(document.documentElement.dataset.theme).toBe('dark');
    await toggleTheme();
    expect(document.documentElement.dataset.theme).toBe('light');
    await switchLanguage();
    expect(useLanguage.getState().language).toBe('zh-CN');
    expect(saved).toEqual({ theme: 'light', language: 'zh-CN' });
  });
});

describe('troubleshoot', () => {
  const hosted: EngineStatus = {
    hosted: true,
    current: true,
    state: 'running',
    socket: '/run/berth/docker.sock',
    dataRoot: '/var/lib/berth',
    configPath: '/etc/berth/config.json',
    startedAt: Date.now(),
  };

  it('explains that an engine started elsewhere has no log or controls here', async () => {
    setBridge(fakeBridge({ 'engine.status': () => ({ hosted: false, current: false }) }));
    wrap(<TroubleshootPage />);
    await screen.findByText(/available for the engine this app starts/);
    expect(screen.queryByRole('button', { name: 'Restart engine' })).toBeNull();
  });

  it('shows the log and asks before a reset, saying what is lost', async () => {
    const b = fakeBridge({
      'engine.status': () => hosted,
      'engine.log': () => ['Berth engine listening on unix:///run/berth/docker.sock'],
      'connections.list': () => [],
      'engine.reset': () => hosted,
    });
    setBridge(b);
    wrap(<TroubleshootPage />);
    const log = await screen.findByRole('log', { name: 'Engine log' });
    await waitFor(() => expect(log.textContent).toContain('listening'));
    fireEvent.click(screen.getByRole('button', { name: 'Reset data…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reset all engine data?' });
    expect(dialog.textContent).toContain('every image and layer');
    expect(dialog.textContent).toContain('/var/lib/berth');
    const confirm = screen.getByRole('button', { name: 'Delete all data' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Type “reset” to confirm'), { target: { value: 'reset' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(b.calls.some((c) => c.method === 'engine.reset')).toBe(true));
    expect(b.calls.find((c) => c.method === 'engine.reset')!.args).toEqual({ confirm: 'reset' });
  });
});
