// Electron main: one instance, one hardened window, the bridge over IPC, the embedded engine in a
// utilityProcess (Linux), a tray icon, the application menu and native notifications. Everything with
// logic in it lives in the modules beside this one and is tested in Node; this file only wires them
// to Electron.
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  screen,
  session,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultDataRoot, defaultSocketPath } from '../../engine/paths.js';
import { createBackend } from '../backend/create.js';
import type { Backend } from '../backend/context.js';
import type { EngineHost, EngineState } from '../backend/engine-host.js';
import { projectRoot, rendererDir } from '../backend/paths.js';
import { readDataRootSetting, type AppSettings } from '../backend/settings-store.js';
import { IpcRouter } from './ipc-router.js';
import { buildMenuTemplate, COMMAND_PALETTE_SCRIPT, navigationScript, type Page } from './menu.js';
import { createNotifier } from './notifier.js';
import {
  isAllowedExternalUrl,
  isAllowedPermission,
  isAppNavigation,
  isTrustedSender,
  remoteHostOf,
  withCsp,
} from './security.js';
import { mainStrings, type MainStrings } from './strings.js';
import { iconPng, trayMenuTemplate, trayTooltip, type TrayState } from './tray.js';
import { UtilityProcessEngineHost, type ForkUtility } from './utility-engine-host.js';
import { captureWindowState, restoreWindowState } from './window-state.js';

const INDEX_HTML = join(rendererDir(), 'index.html');
const INDEX_URL = pathToFileURL(INDEX_HTML).href;
const PRELOAD = join(projectRoot(), 'dist', 'electron', 'preload', 'index.cjs');

let win: BrowserWindow | undefined;
let tray: Tray | undefined;
let backend: Backend | undefined;
let engine: EngineHost | undefined;
let router: IpcRouter | undefined;
let strings: MainStrings = mainStrings('system');
/** Hosts (besides loopback) whose published ports the page may open in the browser. */
let externalHosts: string[] = [];

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} berth-app ${line}\n`);
}

function showWindow(): void {
  if (!win || win.isDestroyed()) {
    createWindow();
    return;
  }
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function navigate(page: Page): void {
  showWindow();
  void win?.webContents.executeJavaScript(navigationScript(page)).catch(() => undefined);
}

async function restartEngine(): Promise<void> {
  try {
    await engine?.restart();
  } catch (err) {
    log(`restart failed: ${(err as Error).message}`);
  }
}

function refreshMenus(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        isDev: !app.isPackaged,
        hostsEngine: !!engine,
        strings,
        actions: {
          navigate,
          restartEngine: () => void restartEngine(),
          commandPalette: () => {
            showWindow();
            void win?.webContents.executeJavaScript(COMMAND_PALETTE_SCRIPT).catch(() => undefined);
          },
        },
      }),
    ),
  );
  refreshTray();
}

function refreshTray(): void {
  const state: TrayState = engine ? engine.state() : 'none';
  if (!tray) {
    try {
      tray = new Tray(nativeImage.createFromBuffer(iconPng(32, state), { scaleFactor: 2 }));
      tray.on('click', () => showWindow());
    } catch (err) {
      // No system tray here (some Linux desktops): the window and menu still do everything.
      log(`no tray: ${(err as Error).message}`);
      return;
    }
  } else {
    tray.setImage(nativeImage.createFromBuffer(iconPng(32, state), { scaleFactor: 2 }));
  }
  tray.setToolTip(trayTooltip(state, strings));
  tray.setContextMenu(
    Menu.buildFromTemplate(
      trayMenuTemplate(state, strings, {
        open: showWindow,
        restartEngine: () => void restartEngine(),
        quit: () => app.quit(),
      }),
    ),
  );
}

const dark = (theme: AppSettings['theme']) =>
  theme === 'dark' || (theme === 'system' && nativeTheme.shouldUseDarkColors);

function createWindow(): void {
  if (!backend) return;
  const settings = backend.settings;
  const placement = restoreWindowState(
    settings.get().window,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow({
    ...placement.bounds,
    minWidth: 880,
    minHeight: 560,
    show: false,
    title: 'Berth',
    icon: nativeImage.createFromBuffer(iconPng(128)),
    // The page's background, so a dark-theme window does not flash white while it loads.
    backgroundColor: dark(settings.get().theme) ? '#0f141b' : '#f6f7f9',
    webPreferences: {
      preload: PRELOAD,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win = w;
  if (placement.maximized) w.maximize();
  w.once('ready-to-show', () => w.show());

  // Remember where the window was, a moment after it stops moving.
  let timer: NodeJS.Timeout | undefined;
  const remember = () => {
    if (w.isDestroyed()) return;
    const state = captureWindowState(w);
    void settings.update((s) => {
      s.window = state;
    });
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(remember, 500);
  };
  w.on('resize', later);
  w.on('move', later);
  w.on('maximize', later);
  w.on('unmaximize', later);
  w.on('close', () => {
    clearTimeout(timer);
    remember();
  });
  w.on('closed', () => {
    if (win === w) win = undefined;
  });
  void w.loadFile(INDEX_HTML);
}

/** Hardening that applies to every web contents the app ever creates. */
function harden(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    // The page is a file:// URL (no headers; its <meta> CSP applies); anything served over HTTP(S)
    // gets the same policy as a header.
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  // No remote content at all: only our files, devtools and data/blob URLs the page creates.
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const ok = /^(file|devtools|data|blob|chrome-extension):/.test(details.url);
    if (!ok) log(`blocked a request to ${details.url}`);
    callback({ cancel: !ok });
  });
  const isOurPage = (url: string) => isAppNavigation(url, INDEX_URL);
  session.defaultSession.setPermissionRequestHandler((wc, permission, callback) =>
    callback(isAllowedPermission(permission) && isOurPage(wc.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler(
    (wc, permission) => isAllowedPermission(permission) && !!wc && isOurPage(wc.getURL()),
  );
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.on('will-navigate', (e, url) => {
      if (!isOurPage(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isOurPage(url)) e.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternalUrl(url, externalHosts)) void shell.openExternal(url);
      else log(`refused to open ${url}`);
      return { action: 'deny' };
    });
  });
}

/** Keeps the list of hosts whose links may open in the browser in step with the current connection. */
async function trackExternalHosts(): Promise<void> {
  try {
    const host = remoteHostOf((await backend!.connections.current()).url);
    externalHosts = host ? [host] : [];
  } catch {
    externalHosts = [];
  }
}

async function startup(): Promise<void> {
  harden();
  if (process.platform === 'linux') {
    // The engine runs natively on Linux; macOS and Windows reach it through a VM (engine/vm), and
    // until then manage whatever engine their connections point at.
    engine = new UtilityProcessEngineHost(
      defaultSocketPath(),
      defaultDataRoot(),
      utilityProcess.fork as unknown as ForkUtility,
      { dataRootOverride: () => readDataRootSetting() },
    );
  }
  let notify: (n: { title: string; body: string }) => void = () => undefined;
  backend = await createBackend({ engine, notify: (n) => notify(n) });
  notify = createNotifier({
    isFocused: () => !!win && !win.isDestroyed() && win.isVisible() && win.isFocused(),
    isSupported: () => Notification.isSupported(),
    show: (n, onClick) => {
      const note = new Notification({ title: n.title, body: n.body, silent: false });
      note.on('click', onClick);
      note.show();
    },
    focusWindow: showWindow,
  });
  strings = mainStrings(backend.settings.get().language, app.getLocale());

  router = new IpcRouter(
    ipcMain,
    backend,
    (sender) =>
      isTrustedSender(sender, {
        webContentsIds: BrowserWindow.getAllWindows().map((w) => w.webContents.id),
        indexUrl: INDEX_URL,
      }),
    log,
  );
  router.start();
  backend.connections.on('change', () => void trackExternalHosts());
  void trackExternalHosts();

  refreshMenus();
  createWindow();

  if (engine) {
    engine.on('state', (s: EngineState) => {
      log(`engine ${s}`);
      refreshTray();
    });
    // The window is up first; the page shows "connecting" until the engine answers.
    engine.start().then(
      () => backend!.connections.check().catch(() => undefined),
      (err: Error) => log(`the engine did not start: ${err.message}`),
    );
  }
  // Menus and tray follow a language change made in Settings.
  let language = backend.settings.get().language;
  backend.settings.on('change', (s: AppSettings) => {
    if (s.language === language) return;
    language = s.language;
    strings = mainStrings(language, app.getLocale());
    refreshMenus();
  });
}

/** Stops the engine process cleanly; containers keep running under conmon and are adopted next start. */
let shutdown: Promise<void> | undefined;
function shutDown(): Promise<void> {
  shutdown ??= (async () => {
    router?.close();
    tray?.destroy();
    tray = undefined;
    await engine?.stop().catch((err: Error) => log(`engine stop: ${err.message}`));
  })();
  return shutdown;
}

if (!app.requestSingleInstanceLock()) {
  // Another Berth is running: it shows its window (second-instance) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (backend && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  let done = false;
  app.on('before-quit', (e) => {
    if (done) return;
    e.preventDefault();
    void shutDown().finally(() => {
      done = true;
      app.quit();
    });
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => app.quit());
  app.whenReady().then(startup, (err: Error) => {
    log(`start-up failed: ${err.stack ?? err.message}`);
    app.exit(1);
  });
}
