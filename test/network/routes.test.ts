import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '../../engine/api/router.js';
import { createApiServer } from '../../engine/api/server.js';
import { networkRoutes } from '../../engine/api/routes/networks.js';
import { NotFoundError } from '../../engine/errors.js';
import { NetworkManager } from '../../engine/network/index.js';

describe('/networks API', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const events: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text ? JSON.parse(text) : {}) as Record<string, unknown> & unknown[],
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-netapi-'));
    const networks = await NetworkManager.open({
      stateDir: dir,
      netnsPrefix: `bnr${process.pid}-`,
      onEvent: (action, _id, attrs) => events.push(`${action} ${attrs.name}`),
    });
    const router = new Router();
    networkRoutes(router, {
      networks,
      resolveContainer: (ref) => {
        if (ref === 'known') return { id: 'f'.repeat(64), name: 'known' };
        throw new NotFoundError(`No such container: ${ref}`);
      },
    });
    server = createApiServer({ router });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('lists and inspects the predefined networks', async () => {
    const list = await call('GET', '/v1.50/networks');
    expect(list.status).toBe(200);
    expect((list.json as { Name: string }[]).map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
    const bridge = await call('GET', '/networks/bridge');
    expect(bridge.json).toMatchObject({ Name: 'bridge', Driver: 'bridge', Scope: 'local', Containers: {} });
    const byPrefix = await call('GET', `/networks/${(bridge.json.Id as string).slice(0, 6)}`);
    expect(byPrefix.json.Name).toBe('bridge');
    expect((await call('GET', '/networks/nope')).json).toEqual({ message: 'network nope not found' });
  });

  it('creates, filters, removes and prunes user-defined networks', async () => {
    const created = await call('POST', '/networks/create', {
      Name: 'front',
      Labels: { tier: 'web' },
      IPAM: { Config: [{ Subnet: '10.77.0.0/24' }] },
      Internal: true,
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warning: '' });
    const dup = await call('POST', '/networks/create', { Name: 'front' });
    expect(dup).toEqual({ status: 409, json: { message: 'network with name front already exists' } });
    expect((await call('POST', '/networks/create', { Name: 'host' })).status).toBe(403);
    expect((await call('POST', '/networks/create', { Name: 'back' })).status).toBe(201);

    const front = await call('GET', '/networks/front');
    expect(front.json).toMatchObject({
      Internal: true,
      Labels: { tier: 'web' },
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.77.0.0/24', Gateway: '10.77.0.1' }] },
    });
    const custom = await call('GET', `/networks?filters=${encodeURIComponent('{"type":["custom"]}')}`);
    expect((custom.json as { Name: string }[]).map((n) => n.Name).sort()).toEqual(['back', 'front']);
    const labelled = await call('GET', `/networks?filters=${encodeURIComponent('{"label":["tier=web"]}')}`);
    expect((labelled.json as { Name: string }[]).map((n) => n.Name)).toEqual(['front']);

    expect(await call('DELETE', '/networks/bridge')).toEqual({
      status: 403,
      json: { message: 'bridge is a pre-defined network and cannot be removed' },
    });
    expect((await call('DELETE', '/networks/back')).status).toBe(204);
    expect((await call('DELETE', '/networks/back')).status).toBe(404);

    const pruned = await call(
      'POST',
      `/networks/prune?filters=${encodeURIComponent('{"label":["tier=web"]}')}`,
    );
    expect(pruned.json).toEqual({ NetworksDeleted: ['front'] });
    expect(events).toEqual(['create front', 'create back', 'destroy back', 'destroy front']);
  });

  it('connect needs a known, running container', async () => {
    expect((await call('POST', '/networks/bridge/connect', { Container: 'ghost' })).status).toBe(404);
    expect((await call('POST', '/networks/bridge/connect', { Container: 'known' })).status).toBe(409);
  });
});
