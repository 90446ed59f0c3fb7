// The few words main shows itself (menus, tray, dialogs), in the app's two languages. The renderer
// has its own catalogues; these follow the same language setting.
import type { EngineState } from '../backend/engine-host.js';

const en = {
  file: 'File',
  edit: 'Edit',
  view: 'View',
  go: 'Go',
  engine: 'Engine',
  window: 'Window',
  help: 'Help',
  quit: 'Quit Berth',
  close: 'Close Window',
  reload: 'Reload',
  forceReload: 'Force Reload',
  devTools: 'Toggle Developer Tools',
  actualSize: 'Actual Size',
  zoomIn: 'Zoom In',
  zoomOut: 'Zoom Out',
  fullScreen: 'Toggle Full Screen',
  commandPalette: 'Command Palette…',
  open: 'Open Berth',
  restartEngine: 'Restart Engine',
  troubleshoot: 'Troubleshoot',
  pages: {
    containers: 'Containers',
    images: 'Images',
    volumes: 'Volumes',
    disk: 'Disk Usage',
    settings: 'Settings',
    troubleshoot: 'Troubleshoot',
  },
  engineState: {
    starting: 'starting',
    running: 'running',
    stopped: 'stopped',
    failed: 'failed',
    external: 'running (started elsewhere)',
    none: 'not hosted by this app',
  } as Record<EngineState | 'none', string>,
  engineLine: 'Engine: {state}',
  tooltip: 'Berth — engine {state}',
  engineFailedTitle: 'The Berth engine did not start',
};

export type MainStrings = typeof en;

const zh: MainStrings = {
  file: '文件',
  edit: '编辑',
  view: '视图',
  go: '前往',
  engine: '引擎',
  window: '窗口',
  help: '帮助',
  quit: '退出 Berth',
  close: '关闭窗口',
  reload: '重新加载',
  forceReload: '强制重新加载',
  devTools: '切换开发者工具',
  actualSize: '实际大小',
  zoomIn: '放大',
  zoomOut: '缩小',
  fullScreen: '切换全屏',
  commandPalette: '命令面板…',
  open: '打开 Berth',
  restartEngine: '重启引擎',
  troubleshoot: '故障排查',
  pages: {
    containers: '容器',
    images: '镜像',
    volumes: '数据卷',
    disk: '磁盘占用',
    settings: '设置',
    troubleshoot: '故障排查',
  },
  engineState: {
    starting: '正在启动',
    running: '运行中',
    stopped: '已停止',
    failed: '失败',
    external: '运行中（在别处启动）',
    none: '不由本应用托管',
  },
  engineLine: '引擎：{state}',
  tooltip: 'Berth — 引擎{state}',
  engineFailedTitle: 'Berth 引擎未能启动',
};

/** Strings for a language setting; 'system' follows the OS locale. */
export function mainStrings(language: 'en' | 'zh-CN' | 'system', systemLocale = 'en'): MainStrings {
  const lang =
    language === 'system' ? (systemLocale.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en') : language;
  return lang === 'zh-CN' ? zh : en;
}

export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}
