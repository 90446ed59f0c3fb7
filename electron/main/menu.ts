// The application menu. Built from plain data (no Electron import) so its shortcuts are tested in
// Node. Shortcut choices: Ctrl/Cmd+1…6 open the pages, Ctrl/Cmd+K the command palette (the renderer
// handles it). Terminals need Ctrl+C, Ctrl+R, Ctrl+V and friends, so on Linux/Windows nothing here
// claims a plain Ctrl+letter: reload is F5, and the Edit menu's copy/paste leave the keys to the page.
import type { MenuItemConstructorOptions } from 'electron';
import type { MainStrings } from './strings.js';

export const PAGES = ['containers', 'images', 'volumes', 'disk', 'settings', 'troubleshoot'] as const;
export type Page = (typeof PAGES)[number];

export interface MenuActions {
  navigate(page: Page): void;
  restartEngine(): void;
  commandPalette(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Developer tools only in development (an unpackaged app). */
  isDev: boolean;
  /** Whether this app hosts an engine (enables Restart Engine). */
  hostsEngine: boolean;
  strings: MainStrings;
  actions: MenuActions;
}

export function buildMenuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const s = o.strings;
  // On macOS the Edit menu is what makes Cmd+C/V work at all; elsewhere the page handles the keys.
  const edit = (role: MenuItemConstructorOptions['role']): MenuItemConstructorOptions =>
    mac ? { role } : { role, registerAccelerator: false };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ role: 'appMenu' });
  template.push({
    label: s.file,
    submenu: [
      {
        label: s.commandPalette,
        accelerator: 'CmdOrCtrl+K',
        registerAccelerator: false,
        click: () => o.actions.commandPalette(),
      },
      { type: 'separator' },
      mac ? { role: 'close', label: s.close } : { role: 'quit', label: s.quit, accelerator: 'Ctrl+Q' },
    ],
  });
  template.push({
    label: s.edit,
    submenu: [
      edit('undo'),
      edit('redo'),
      { type: 'separator' },
      edit('cut'),
      edit('copy'),
      edit('paste'),
      edit('selectAll'),
    ],
  });
  template.push({
    label: s.view,
    submenu: [
      { role: 'reload', label: s.reload, accelerator: mac ? 'Cmd+R' : 'F5' },
      { role: 'forceReload', label: s.forceReload, accelerator: mac ? 'Cmd+Shift+R' : 'Shift+F5' },
      ...(o.isDev
        ? [
            {
              role: 'toggleDevTools',
              label: s.devTools,
              accelerator: mac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I',
            } as const,
          ]
        : []),
      { type: 'separator' },
      { role: 'resetZoom', label: s.actualSize, accelerator: 'CmdOrCtrl+0' },
      { role: 'zoomIn', label: s.zoomIn, accelerator: 'CmdOrCtrl+=' },
      { role: 'zoomOut', label: s.zoomOut, accelerator: 'CmdOrCtrl+-' },
      { type: 'separator' },
      { role: 'togglefullscreen', label: s.fullScreen, accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' },
    ],
  });
  template.push({
    label: s.go,
    submenu: PAGES.map((page, i) => ({
      label: s.pages[page],
      accelerator: `CmdOrCtrl+${i + 1}`,
      click: () => o.actions.navigate(page),
    })),
  });
  template.push({
    label: s.engine,
    submenu: [
      { label: s.restartEngine, enabled: o.hostsEngine, click: () => o.actions.restartEngine() },
      { label: s.troubleshoot, click: () => o.actions.navigate('troubleshoot') },
    ],
  });
  if (mac) template.push({ role: 'windowMenu' });
  return template;
}

/** The script that moves the renderer to a page (its router follows location.hash). */
export function navigationScript(page: Page): string {
  return `location.hash = ${JSON.stringify(`#/${page}`)}`;
}

/** The script that opens the command palette (the renderer listens for Ctrl/Cmd+K). */
export const COMMAND_PALETTE_SCRIPT =
  "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true }))";
