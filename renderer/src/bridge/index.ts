// Picks the bridge: Electron's preload exposes window.berth; in a browser we dial `berth serve`.
import type { BerthBridge, BridgeError, MethodArgs, MethodName, MethodResult } from './contract';
import { connectWebBridge } from './web-bridge';
import { useBridgeStatus } from './status';

declare global {
  interface Window {
    berth?: BerthBridge;
  }
}

let bridge: BerthBridge | undefined;

/** The token from the printed URL; kept for this tab so reloads work after it leaves the address bar. */
function webToken(): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem('berth.token', fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    return fromUrl;
  }
  return sessionStorage.getItem('berth.token') ?? '';
}

export function getBridge(): BerthBridge {
  if (!bridge) {
    if (window.berth) {
      bridge = window.berth;
      useBridgeStatus.getState().set('open');
    } else {
      bridge = connectWebBridge(webToken());
    }
  }
  return bridge;
}

/** For tests: use this bridge instead of discovering one. */
export function setBridge(b: BerthBridge): void {
  bridge = b;
  useBridgeStatus.getState().set('open');
}

/** A bridge error as a thrown Error, for react-query. */
export class BridgeCallError extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
  }
  get status() {
    return this.error.status;
  }
  get code() {
    return this.error.code;
  }
}

/** Calls a method and returns its value, or throws a BridgeCallError. */
export async function call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
  const result = await getBridge().call(method, args);
  if (!result.ok) throw new BridgeCallError(result.error);
  return result.value;
}

export * from './contract';
