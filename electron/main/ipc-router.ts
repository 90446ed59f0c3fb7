// The bridge over Electron IPC: one BridgeSession per webContents, fed only with messages from
// trusted senders. Electron's objects come in as small interfaces, so this runs under test in Node.
import { IPC_TO_MAIN, IPC_TO_RENDERER, type ServerMessage } from '../contract/envelope.js';
import type { Backend } from '../backend/context.js';
import { BridgeSession } from '../backend/session.js';
import type { SenderInfo } from './security.js';

/** The parts of Electron's WebContents the router uses. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, message: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'did-start-navigation', listener: (...args: unknown[]) => void): unknown;
}

export interface IpcEventLike {
  sender: WebContentsLike;
  senderFrame?: { url: string; parent: unknown } | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, message: unknown) => void): unknown;
}

export function senderInfo(event: IpcEventLike): SenderInfo {
  const frame = event.senderFrame ?? undefined;
  return { webContentsId: event.sender.id, frameUrl: frame?.url, isMainFrame: !!frame && !frame.parent };
}

/** Electron passes did-start-navigation details as an event object (or, before v25, as arguments). */
function isNewMainFrameDocument(args: unknown[]): boolean {
  const details = args[0] as { isMainFrame?: boolean; isSameDocument?: boolean } | undefined;
  if (details && typeof details.isMainFrame === 'boolean')
    return details.isMainFrame && !details.isSameDocument;
  return args[3] === true && args[2] !== true;
}

export class IpcRouter {
  private readonly sessions = new Map<number, BridgeSession>();
  private readonly watched = new WeakSet<WebContentsLike>();
  private started = false;

  constructor(
    private readonly ipc: IpcMainLike,
    private readonly backend: Backend,
    private readonly isTrusted: (sender: SenderInfo) => boolean,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.ipc.on(IPC_TO_MAIN, this.onMessage);
  }

  private readonly onMessage = (event: IpcEventLike, message: unknown): void => {
    const info = senderInfo(event);
    if (!this.isTrusted(info)) {
      this.warn(
        `dropped a bridge message from an untrusted sender (webContents ${info.webContentsId}, ${info.frameUrl ?? 'no frame'})`,
      );
      return;
    }
    this.sessionFor(event.sender).receive(message);
  };

  private sessionFor(wc: WebContentsLike): BridgeSession {
    let session = this.sessions.get(wc.id);
    if (session) return session;
    session = new BridgeSession(this.backend, (msg: ServerMessage) => {
      if (!wc.isDestroyed()) wc.send(IPC_TO_RENDERER, msg);
    });
    this.sessions.set(wc.id, session);
    if (!this.watched.has(wc)) {
      this.watched.add(wc);
      wc.once('destroyed', () => this.drop(wc.id));
      // A reload or navigation starts a new page with a new client (and message ids from 1): the old
      // page's subscriptions and terminals go with it.
      wc.on('did-start-navigation', (...args: unknown[]) => {
        if (isNewMainFrameDocument(args)) this.drop(wc.id);
      });
    }
    return session;
  }

  /** Number of live sessions (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  drop(webContentsId: number): void {
    this.sessions.get(webContentsId)?.close();
    this.sessions.delete(webContentsId);
  }

  close(): void {
    this.ipc.removeListener(IPC_TO_MAIN, this.onMessage);
    this.started = false;
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }
}
