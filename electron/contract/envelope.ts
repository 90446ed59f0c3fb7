// The result-or-error envelope every bridge call returns, and the wire messages that carry calls and
// subscriptions. The same messages travel over Electron IPC (preload ⇄ main) and over the web
// bridge's WebSocket (browser ⇄ `berth serve`), so both transports share one client and one server.

export interface BridgeError {
  message: string;
  /** The engine's HTTP status when the error came from the Docker API (404, 409, …). */
  status?: number;
  /** A stable machine-readable code for errors the UI treats specially. */
  code?:
    'invalid-argument' | 'unknown-method' | 'unknown-topic' | 'engine-unreachable' | 'cancelled' | 'internal';
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: BridgeError): Result<never> => ({ ok: false, error });

/** Client → server. `id` is chosen by the client and is unique per connection. */
export type ClientMessage =
  | { type: 'call'; id: number; method: string; args: unknown }
  | { type: 'subscribe'; id: number; topic: string; args: unknown }
  | { type: 'unsubscribe'; id: number };

/** Server → client. */
export type ServerMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; id: number; event: unknown }
  | { type: 'end'; id: number; error?: BridgeError };

/** Channel names on Electron IPC. */
export const IPC_TO_MAIN = 'berth:to-main';
export const IPC_TO_RENDERER = 'berth:to-renderer';
