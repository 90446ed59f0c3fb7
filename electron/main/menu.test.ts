import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildMenuTemplate, navigationScript, PAGES, type MenuActions } from './menu.js';
import { mainStrings } from './strings.js';

function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((m) => [
    m,
    ...items((m.submenu as MenuItemConstructorOptions[] | undefined) ?? []),
  ]);
}

function actions(): MenuActions & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    navigate: (p) => calls.push(`go:${p}`),
    restartEngine: () => calls.push('restart'),
    commandPalette: () => calls.push('palette'),
  };
}

const opts = (over: Partial<Parameters<typeof buildMenuTemplate>[0]> = {}) => ({
  platform: 'linux' as const,
  isDev: false,
  hostsEngine: true,
  strings: mainStrings('en'),
  actions: actions(),
  ...over,
});

describe('application menu', () => {
  it('opens the six pages with Ctrl/Cmd+1…6', () => {
    const a = actions();
    const all = items(buildMenuTemplate(opts({ actions: a })));
    PAGES.forEach((page, i) => {
      const item = all.find((m) => m.accelerator === `CmdOrCtrl+${i + 1}`)!;
      expect(item, page).toBeDefined();
      (item.click as () => void)();
    });
    expect(a.calls).toEqual(PAGES.map((p) => `go:${p}`));
  });

  it('has developer tools only in development', () => {
    expect(items(buildMenuTemplate(opts())).some((m) => m.role === 'toggleDevTools')).toBe(false);
    expect(items(buildMenuTemplate(opts({ isDev: true }))).some((m) => m.role === 'toggleDevTools')).toBe(
      true,
    );
  });

  it('reloads and zooms from the keyboard', () => {
    const all = items(buildMenuTemplate(opts()));
    expect(all.find((m) => m.role === 'reload')?.accelerator).toBe('F5');
    expect(all.find((m) => m.role === 'zoomIn')?.accelerator).toBe('CmdOrCtrl+=');
    expect(all.find((m) => m.role === 'zoomOut')?.accelerator).toBe('CmdOrCtrl+-');
    expect(all.find((m) => m.role === 'resetZoom')?.accelerator).toBe('CmdOrCtrl+0');
    const mac = items(buildMenuTemplate(opts({ platform: 'darwin' })));
    expect(mac.find((m) => m.role === 'reload')?.accelerator).toBe('Cmd+R');
    expect(mac[0].role).toBe('appMenu');
  });

  it('leaves Ctrl+letter keys to the page on Linux and Windows (terminals need them)', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const claimed = items(buildMenuTemplate(opts({ platform, isDev: true }))).filter(
        (m) =>
          m.registerAccelerator !== false &&
          (m.accelerator ?? defaultAccelerator(m.role)) &&
          /^(CmdOrCtrl|Ctrl)\+[A-Z]$/i.test(String(m.accelerator ?? defaultAccelerator(m.role))),
      );
      expect(claimed.map((m) => m.accelerator ?? m.role)).toEqual(['Ctrl+Q']);
    }
  });

  it('restarts the engine only when this app hosts one', () => {
    const restart = (hostsEngine: boolean) =>
      items(buildMenuTemplate(opts({ hostsEngine }))).find((m) => m.label === 'Restart Engine')!;
    expect(restart(true).enabled).toBe(true);
    expect(restart(false).enabled).toBe(false);
  });

  it('speaks Chinese when the app does', () => {
    const all = items(buildMenuTemplate(opts({ strings: mainStrings('system', 'zh-CN') })));
    expect(all.some((m) => m.label === '镜像')).toBe(true);
  });

  it('moves the renderer with a hash change', () => {
    expect(navigationScript('images')).toBe('location.hash = "#/images"');
    const spy = vi.fn();
    new Function('location', navigationScript('disk'))({
      set hash(v: string) {
        spy(v);
      },
    });
    expect(spy).toHaveBeenCalledWith('#/disk');
  });
});

/** Roles whose default accelerator is a Ctrl+letter (Electron registers it unless told not to). */
function defaultAccelerator(role: MenuItemConstructorOptions['role']): string | undefined {
  return (
    {
      undo: 'Ctrl+Z',
      redo: 'Ctrl+Y',
      cut: 'Ctrl+X',
      copy: 'Ctrl+C',
      paste: 'Ctrl+V',
      selectAll: 'Ctrl+A',
    } as Record<string, string>
  )[role ?? ''];
}
