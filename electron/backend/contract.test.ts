// Every method and topic of the contract has a handler, and the session enforces the contract.
import { describe, expect, it } from 'vitest';
import { methods, topics, type ServerMessage } from '../contract/index.js';
import { methodHandlers, topicHandlers } from './handlers/index.js';
import { BridgeSession } from './session.js';
import type { Backend } from './context.js';
import { ConnectionManager } from './connections.js';
import { SettingsStore } from './settings-store.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function backend(): Backend {
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-settings-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: 'unix:///nonexistent/berth.sock',
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  return { settings, connections, notify: () => undefined };
}

function session() {
  const out: ServerMessage[] = [];
  const s = new BridgeSession(backend(), (m) => out.push(m));
  const next = async () => {
    for (let i = 0; i < 200 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    return out.shift();
  };
  return { s, next };
}

describe('bridge contract', () => {
  it('has a handler for every method and topic, and nothing else', () => {
    expect(Object.keys(methodHandlers).sort()).toEqual(Object.keys(methods).sort());
    expect(Object.keys(topicHandlers).sort()).toEqual(Object.keys(topics).sort());
    for (const h of [...Object.values(methodHandlers), ...Object.values(topicHandlers)]) {
      expect(typeof h).toBe('function');
    }
  });

  it('rejects unknown methods and topics', async () => {
    const { s, next } = session();
    s.receive({ type: 'call', id: 1, method: 'constructor', args: {} });
    expect(await next()).toMatchObject({ id: 1, result: { ok: false, error: { code: 'unknown-method' } } });
    s.receive({ type: 'subscribe', id: 2, topic: '__proto__', args: {} });
    expect(await next()).toMatchObject({ id: 2, type: 'end', error: { code: 'unknown-topic' } });
  });

  it('validates arguments before any handler runs', async () => {
    const { s, next } = session();
    s.receive({
      type: 'call',
      id: 3,
      method: 'connections.add',
      args: { name: 'x', url: 'javascript:alert(1)' },
    });
    expect(await next()).toMatchObject({
      id: 3,
      result: { ok: false, error: { code: 'invalid-argument', status: 400 } },
    });
    s.receive({ type: 'call', id: 4, method: 'connections.use', args: { id: 'embedded', extra: true } });
    expect(await next()).toMatchObject({ id: 4, result: { ok: false, error: { code: 'invalid-argument' } } });
  });

  it('ignores malformed messages', async () => {
    const { s, next } = session();
    for (const bad of [null, 42, 'x', { type: 'call' }, { type: 'call', id: -1 }, { type: 'call', id: 1.5 }])
      s.receive(bad);
    expect(await next()).toBeUndefined();
  });

  it('answers with an engine-unreachable error, not a hang, when the engine is down', async () => {
    const { s, next } = session();
    s.receive({ type: 'call', id: 5, method: 'system.summary', args: {} });
    expect(await next()).toMatchObject({
      id: 5,
      result: { ok: false, error: { code: 'engine-unreachable' } },
    });
  });

  it('lists the embedded connection and remembers added ones', async () => {
    const { s, next } = session();
    s.receive({
      type: 'call',
      id: 6,
      method: 'connections.add',
      args: { name: 'remote', url: 'ssh://me@127.0.0.1:1' },
    });
    const added = (await next()) as {
      result: { ok: true; value: { id: string; kind: string; status: string } };
    };
    expect(added.result.value).toMatchObject({ kind: 'ssh', status: 'down' });
    s.receive({ type: 'call', id: 7, method: 'connections.list', args: {} });
    const listed = (await next()) as { result: { ok: true; value: { id: string; current: boolean }[] } };
    expect(listed.result.value.map((c) => c.id)).toEqual(['embedded', added.result.value.id]);
    expect(listed.result.value[0].current).toBe(true);
  });
});
