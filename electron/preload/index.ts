// The preload of the Berth window (sandboxed, context-isolated): exposes window.berth and nothing
// else. Bundled into one CommonJS file by scripts/build-preload.js, since a sandboxed preload can
// require only 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBridge } from './bridge.js';

exposeBridge(contextBridge, ipcRenderer);
