/**
 * A bridge client wired straight to a BridgeSession (messages cloned as JSON, as on the wire), for
 * backend tests that call handlers the way the renderer does.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BridgeClient,
  type BridgeError,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type TopicArgs,
  type TopicEvent,
  type TopicName,
} from '../../electron/contract/index.js';
import { ConnectionManager } from '../../electron/backend/connections.js';
import type { Backend, Notice } from '../../electron/backend/context.js';
import { BridgeSession } from '../../electron/backend/session.js';
import { SettingsStore } from '../../electron/backend/settings-store.js';

export class CallError extends Error {
  constructor(readonly error: BridgeError) {
    super(error.message);
  }
}

export interface TestSubscription<E> {
  events: E[];
  /** Resolves when the server ends the stream: undefined on success, the error otherwise. */
  ended: Promise<BridgeError | undefined>;
  /** Resolves once an event passes `pred`. */
  waitFor(pred: (e: E) => boolean, timeoutMs?: number): Promise<E>;
  close(): void;
}

export interface TestBridge {
  notices: Notice[];
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  subscribe<T extends TopicName>(topic: T, args: TopicArgs<T>): TestSubscription<TopicEvent<T>>;
  close(): void;
}

export function bridgeTo(socket: string): TestBridge {
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-img-settings-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: `unix://${socket}`,
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  const notices: Notice[] = [];
  const backend: Backend = { settings, connections, notify: (n) => notices.push(n) };
  // eslint-disable-next-line prefer-const
  let session: BridgeSession;
  const client = new BridgeClient((m) => session.receive(JSON.parse(JSON.stringify(m))));
  session = new BridgeSession(backend, (m) => client.receive(JSON.parse(JSON.stringify(m))));
  return {
    notices,
    async call(method, args) {
      const r = await client.call(method, args);
      if (!r.ok) throw new CallError(r.error);
      return r.value;
    },
    subscribe(topic, args) {
      type E = TopicEvent<typeof topic>;
      const events: E[] = [];
      const waiters: { pred: (e: E) => boolean; resolve: (e: E) => void }[] = [];
      let resolveEnd!: (e: BridgeError | undefined) => void;
      const ended = new Promise<BridgeError | undefined>((r) => (resolveEnd = r));
      const sub = client.subscribe(topic, args, {
        onEvent: (e) => {
          events.push(e);
          for (const w of [...waiters]) {
            if (w.pred(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
          }
        },
        onEnd: (err) => resolveEnd(err),
      });
      return {
        events,
        ended,
        waitFor(pred, timeoutMs = 30_000) {
          const seen = events.find(pred);
          if (seen) return Promise.resolve(seen);
          return new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no matching ${topic} event in ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              pred,
              resolve: (e) => {
                clearTimeout(timer);
                resolve(e);
              },
            });
            void ended.then((err) =>
              setTimeout(() => {
                clearTimeout(timer);
                reject(new Error(`${topic} ended (${err?.message ?? 'ok'}) before a matching event`));
              }, 0),
            );
          });
        },
        close: () => sub.close(),
      };
    },
    close: () => session.close(),
  };
}
