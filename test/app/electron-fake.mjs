// A stand-in for the `electron` module, so dist/electron/main/index.js runs under plain Node in
// test/app/electron-main.test.ts. It records what main does (windows, menus, tray, IPC replies) and
// reports it to the test over the IPC channel; the test drives it back with messages.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

const report = (msg) => process.send?.(msg);

class App extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return Promise.resolve();
  }
  getLocale() {
    return 'en-US';
  }
  quit() {
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    report({ type: 'exiting' });
    setTimeout(() => process.exit(0), 50);
  }
  exit(code) {
    process.exit(code);
  }
}
export const app = new App();

let nextId = 1;
class WebContents extends EventEmitter {
  id = nextId++;
  url = '';
  openHandler = undefined;
  send(channel, message) {
    report({ type: 'renderer', channel, message });
  }
  isDestroyed() {
    return false;
  }
  getURL() {
    return this.url;
  }
  executeJavaScript(code) {
    report({ type: 'exec', code });
    return Promise.resolve();
  }
  setWindowOpenHandler(handler) {
    this.openHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  static getAllWindows() {
    return BrowserWindow.all;
  }
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    report({ type: 'window', options: { ...options, icon: typeof options.icon } });
  }
  loadFile(file) {
    this.webContents.url = pathToFileURL(file).href;
    report({ type: 'load', file });
    setTimeout(() => this.emit('ready-to-show'), 10);
    return Promise.resolve();
  }
  maximize() {}
  show() {
    report({ type: 'show' });
  }
  focus() {}
  restore() {}
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  isVisible() {
    return true;
  }
  isFocused() {
    return false;
  }
  isMaximized() {
    return false;
  }
  getNormalBounds() {
    return { x: 40, y: 30, width: 1111, height: 777 };
  }
}

export const ipcMain = new EventEmitter();

export const Menu = {
  current: undefined,
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu(menu) {
    Menu.current = menu;
    report({ type: 'menu', labels: menu.template.map((m) => m.label ?? m.role) });
  },
};

export class Tray extends EventEmitter {
  constructor() {
    super();
    report({ type: 'tray' });
  }
  setImage() {}
  setToolTip(text) {
    report({ type: 'tooltip', text });
  }
  setContextMenu() {}
  destroy() {
    report({ type: 'tray-destroyed' });
  }
}

export const nativeImage = { createFromBuffer: (buf) => ({ bytes: buf.length }) };
export const nativeTheme = { shouldUseDarkColors: false };

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    report({ type: 'notification', ...this.options });
  }
}

export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };

export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived(fn) {
        session.headers = fn;
      },
      onBeforeRequest(fn) {
        session.before = fn;
      },
    },
    setPermissionRequestHandler(fn) {
      session.permission = fn;
    },
    setPermissionCheckHandler() {},
  },
};

export const shell = {
  openExternal(url) {
    report({ type: 'openExternal', url });
    return Promise.resolve();
  },
};

/** utilityProcess.fork played by Node's fork (the engine entry runs under both). */
export const utilityProcess = {
  fork(modulePath, args, options) {
    const child = fork(modulePath, args, {
      env: options.env,
      execArgv: options.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    report({ type: 'fork', modulePath, serviceName: options.serviceName, pid: child.pid });
    return {
      get pid() {
        return child.pid;
      },
      stdout: child.stdout,
      stderr: child.stderr,
      postMessage: (m) => child.send(m),
      kill: () => child.kill(),
      once: (_event, listener) => child.once('exit', (code) => listener(code ?? -1)),
    };
  },
};

// The test's side: pretend to be the page, the user or the OS.
process.on('message', (m) => {
  const win = BrowserWindow.all[0];
  switch (m.type) {
    case 'ipc': {
      const sender =
        m.webContentsId === undefined ? win.webContents : { ...win.webContents, id: m.webContentsId };
      ipcMain.emit(
        'berth:to-main',
        { sender, senderFrame: { url: m.frameUrl ?? win.webContents.url, parent: null } },
        m.message,
      );
      break;
    }
    case 'open-window': {
      const r = win.webContents.openHandler({ url: m.url });
      report({ type: 'open-window-result', action: r.action });
      break;
    }
    case 'navigate': {
      let prevented = false;
      win.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, m.url);
      report({ type: 'navigate-result', prevented });
      break;
    }
    case 'request': {
      session.before({ url: m.url }, (r) => report({ type: 'request-result', cancel: r.cancel }));
      break;
    }
    case 'menu': {
      const item = Menu.current.template
        .flatMap((t) => t.submenu ?? [])
        .find((i) => i.accelerator === m.accelerator);
      item.click();
      break;
    }
    case 'resize':
      win.emit('resize');
      break;
    case 'quit':
      app.quit();
      break;
  }
});
