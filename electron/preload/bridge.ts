// window.berth for the Electron window: the contract's BridgeClient over ipcRenderer, exposed through
// contextBridge. Electron's modules come in as parameters, so this is tested in plain Node.
import { BridgeClient, type BerthBridge } from '../contract/bridge.js';
import { IPC_TO_MAIN, IPC_TO_RENDERER, type ServerMessage } from '../contract/envelope.js';

export interface IpcRendererLike {
  send(channel: string, message: unknown): void;
  on(channel: string, listener: (event: unknown, message: unknown) => void): unknown;
}

export interface ContextBridgeLike {
  exposeInMainWorld(key: string, api: unknown): void;
}

/**
 * Builds the object the page sees. Only plain functions cross the context bridge (a class instance
 * would lose its prototype), and the page never gets ipcRenderer itself.
 */
export function createBerthApi(ipc: IpcRendererLike): BerthBridge {
  const client = new BridgeClient((msg) => ipc.send(IPC_TO_MAIN, msg));
  ipc.on(IPC_TO_RENDERER, (_event, msg) => client.receive(msg as ServerMessage));
  return {
    call: (method, args) => client.call(method, args),
    subscribe: (topic, args, handlers) => {
      const sub = client.subscribe(topic, args, {
        onEvent: (e) => handlers.onEvent(e),
        onEnd: (err) => handlers.onEnd?.(err),
      });
      return { close: () => sub.close() };
    },
  };
}

export function exposeBridge(contextBridge: ContextBridgeLike, ipc: IpcRendererLike): void {
  contextBridge.exposeInMainWorld('berth', createBerthApi(ipc));
}
