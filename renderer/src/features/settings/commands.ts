import type { Command } from '../../app/commands';
import { queryClient } from '../../app/query-client';
import { navigate } from '../../app/router';
import { call } from '../../bridge';
import { toast } from '../../components/toasts';
import { t } from '../../i18n';
import { switchLanguage, toggleTheme } from './useAppSettings';

/** Restarts the engine this app hosts, telling the user how it went. */
export async function restartEngine(): Promise<void> {
  try {
    await call('engine.restart', {});
    toast('success', t('settings.engine.restarted'));
  } catch (err) {
    toast('error', t('settings.engine.restartFailed', { message: (err as Error).message }));
  }
  await queryClient.invalidateQueries();
}

/** This feature's entries in the command palette. */
export const settingsCommands: Command[] = [
  {
    id: 'settings.appearance',
    label: 'settings.cmd.appearance',
    keywords: 'settings theme language appearance dark light',
    run: () => navigate('settings', 'appearance'),
  },
  {
    id: 'settings.connections',
    label: 'settings.cmd.connections',
    keywords: 'settings connections engine ssh socket docker host context',
    run: () => navigate('settings', 'connections'),
  },
  {
    id: 'settings.registries',
    label: 'settings.cmd.registries',
    keywords: 'settings registries login credentials mirrors insecure',
    run: () => navigate('settings', 'registries'),
  },
  {
    id: 'settings.engine',
    label: 'settings.cmd.engine',
    keywords: 'settings engine data root location',
    run: () => navigate('settings', 'engine'),
  },
  {
    id: 'settings.toggleTheme',
    label: 'settings.cmd.toggleTheme',
    keywords: 'toggle theme dark light mode',
    run: () => void toggleTheme(),
  },
  {
    id: 'settings.switchLanguage',
    label: 'settings.cmd.switchLanguage',
    keywords: 'switch language chinese english 中文 语言',
    run: () => void switchLanguage(),
  },
  {
    id: 'settings.restartEngine',
    label: 'settings.cmd.restartEngine',
    keywords: 'restart engine troubleshoot',
    run: () => void restartEngine(),
  },
];
