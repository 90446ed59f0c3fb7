// xterm.js and its addons, loaded only when a terminal opens (a separate chunk: the app starts
// without them). The stylesheet must come along or the terminal renders as a broken textarea.
import '@xterm/xterm/css/xterm.css';

export { Terminal } from '@xterm/xterm';
export { FitAddon } from '@xterm/addon-fit';
export { SearchAddon } from '@xterm/addon-search';
export { WebLinksAddon } from '@xterm/addon-web-links';

/** The WebGL renderer, when the GPU gives us a real one (see webgl.ts). */
export async function loadWebglAddon() {
  const { WebglAddon } = await import('@xterm/addon-webgl');
  return WebglAddon;
}
