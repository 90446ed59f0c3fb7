import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { NetworkManager, type NetworkEventAction } from '../../engine/network/index.js';
import {
  fetchFromNetns,
  get,
  hostServer,
  killChildren,
  linksIn,
  namespacesWith,
  pidAlive,
  serveInNetns,
  udpQueryFromNetns,
} from './helpers.js';

const isRoot = process.getuid?.() === 0;
const hasPasta = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v pasta']);
    return true;
  } catch {
    return false;
  }
})();

const PREFIX = `bnt${process.pid}-`;
const cid = (n: number) => `${n.toString(16).padStart(2, '0')}${'c0ffee'.repeat(10)}0a`.slice(0, 64);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('NetworkManager with real pasta and namespaces', () => {
  it('has what the tests below need: root and pasta (Debian passt)', () => {
    expect(isRoot).toBe(true);
    expect(hasPasta).toBe(true);
  });

  let dir: string;
  let mgr: NetworkManager;
  const events: { action: NetworkEventAction; id: string; attrs: Record<string, string> }[] = [];
  const managers: NetworkManager[] = [];
  const open = async () => {
    const m = await NetworkManager.open({
      stateDir: join(dir, 'state'),
      netnsPrefix: PREFIX,
      dnsForward: false,
      defaultHostIp: '127.0.0.1',
      onEvent: (action, id, attrs) => events.push({ action, id, attrs }),
    });
    managers.push(m);
    return m;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-net-'));
    mgr = await open();
  });

  afterAll(async () => {
    killChildren();
    for (const m of managers.reverse()) await m.releaseAll().catch(() => undefined);
    for (const ns of namespacesWith(PREFIX)) execFileSync('ip', ['netns', 'del', ns]);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the predefined networks', () => {
    const names = mgr.list().map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['bridge', 'host', 'none']));
    const bridge = mgr.inspect('bridge');
    expect(bridge.Driver).toBe('bridge');
    expect(bridge.IPAM.Config).toEqual([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
    expect(mgr.inspect('none').Driver).toBe('null');
  });

  it('publishes a container port on 127.0.0.1 and reports the binding', async () => {
    const port = await freePort();
    const att = await mgr.ensureNamespace(cid(1), {
      name: 'web',
      ports: { portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    expect(att.mode).toBe('bridge');
    expect(att.netnsPath).toBe(`/run/netns/${PREFIX}c-${cid(1).slice(0, 12)}`);
    expect(att.ip).toBe('172.17.0.2');
    expect(att.gateway).toBe('172.17.0.1');
    expect(att.mac).toBe('02:42:ac:11:00:02');
    expect(att.ports).toEqual([{ containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: port }]);
    await serveInNetns(att.netnsPath!, 80, 'hello from web');
    expect(await get(`http://127.0.0.1:${port}/`)).toBe('hello from web');

    const settings = mgr.networkSettings(cid(1), ['80/tcp', '443/tcp'])!;
    expect(settings.Ports).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }],
      '443/tcp': null,
    });
    expect(settings.IPAddress).toBe('172.17.0.2');
    expect(Object.keys(settings.Networks as object)).toEqual(['bridge']);
    expect(Object.keys(mgr.inspect('bridge').Containers)).toContain(cid(1));
    expect((await linksIn(att.netnsPath!)).sort()).toEqual(['eth0', 'lo', 'tap0']);
    // Idempotent while intact.
    expect((await mgr.ensureNamespace(cid(1), { name: 'web' })).ports).toEqual(att.ports);
  });

  it('publishes every exposed port on a random port with publishAll (-P)', async () => {
    const att = await mgr.ensureNamespace(cid(2), {
      name: 'random',
      ports: { publishAll: true, exposedPorts: ['8080/tcp', '53/udp'] },
    });
    const tcp = att.ports.find((p) => p.proto === 'tcp')!;
    expect(tcp.hostIp).toBe('127.0.0.1');
    expect(tcp.hostPort).toBeGreaterThan(1024);
    expect(att.ports.find((p) => p.proto === 'udp')?.containerPort).toBe(53);
    await serveInNetns(att.netnsPath!, 8080, 'random ok');
    expect(await get(`http://127.0.0.1:${tcp.hostPort}/`)).toBe('random ok');
  });

  it('refuses a host port that is already in use, leaving nothing behind', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        mgr.ensureNamespace(cid(3), {
          name: 'clash',
          ports: { portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
        }),
      ).rejects.toThrow(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
      expect(mgr.attachment(cid(3))).toBeUndefined();
      expect(namespacesWith(`${PREFIX}c-${cid(3).slice(0, 12)}`)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('reaches a server on the host loopback through the gateway address', async () => {
    const { server, port } = await hostServer('host says hi');
    try {
      const att = mgr.attachment(cid(1))!;
      expect(await fetchFromNetns(att.netnsPath!, `http://${att.gateway}:${port}/`)).toBe('host says hi');
    } finally {
      server.close();
    }
  });

  it('sends DNS queries for the gateway to the host loopback resolver', async () => {
    const sock = createSocket('udp4');
    sock.on('message', (m, r) => {
      const reply = Buffer.from(m);
      reply[2]! |= 0x80;
      sock.send(reply, r.port, r.address);
    });
    const bound = await new Promise<boolean>((resolve) => {
      sock.once('error', () => resolve(false));
      sock.bind(53, '127.0.0.1', () => resolve(true));
    });
    if (!bound) return; // port 53 taken on this machine: nothing to test against
    try {
      const att = mgr.attachment(cid(1))!;
      expect(att.nameservers).toEqual([att.gateway]);
      expect(await udpQueryFromNetns(att.netnsPath!, att.gateway, 53)).toBe('21');
    } finally {
      sock.close();
    }
  });

  it('gives containers on a user-defined network each other by name', async () => {
    const { Id } = await mgr.create({ Name: 'appnet', Labels: { team: 'a' } });
    expect(events.some((e) => e.action === 'create' && e.id === Id)).toBe(true);
    await expect(mgr.create({ Name: 'appnet' })).rejects.toMatchObject({ status: 409 });
    const net = mgr.inspect('appnet');
    expect(net.IPAM.Config[0]!.Subnet).toBe('172.18.0.0/16');

    const hostsDb = join(dir, 'db.hosts');
    const hostsApp = join(dir, 'app.hosts');
    const db = await mgr.ensureNamespace(cid(4), {
      name: 'db',
      networkMode: 'appnet',
      endpoints: { appnet: { Aliases: ['database'] } },
      hostsFile: hostsDb,
    });
    const app = await mgr.ensureNamespace(cid(5), {
      name: 'app',
      networkMode: 'appnet',
      hostsFile: hostsApp,
    });
    expect(db.ip).toBe('172.18.0.2');
    expect(app.ip).toBe('172.18.0.3');
    await serveInNetns(db.netnsPath!, 80, 'db here');
    await serveInNetns(app.netnsPath!, 80, 'app here');
    expect(await fetchFromNetns(app.netnsPath!, 'http://db/', hostsApp)).toBe('db here');
    expect(await fetchFromNetns(app.netnsPath!, 'http://database/', hostsApp)).toBe('db here');
    // db started first; its hosts file was rewritten when app joined.
    expect(await readFile(hostsDb, 'utf8')).toMatch(/172\.18\.0\.3\tapp /);
    expect(await fetchFromNetns(db.netnsPath!, 'http://app/', hostsDb)).toBe('app here');
    expect(mgr.hostsEntries(cid(5))).toEqual([
      { ip: '172.18.0.3', names: [cid(5).slice(0, 12), 'app'] },
      { ip: '172.18.0.2', names: ['db', cid(4).slice(0, 12), 'database'] },
    ]);
    expect(Object.keys(mgr.inspect('appnet').Containers).sort()).toEqual([cid(4), cid(5)].sort());
    const ns = mgr.networkSettings(cid(4)) as { Networks: Record<string, { DNSNames: string[] }> };
    expect(ns.Networks.appnet!.DNSNames).toEqual(['db', cid(4).slice(0, 12), 'database']);
    // A container on the default bridge only has a veth on that network's bridge.
    expect((await linksIn(mgr.attachment(cid(1))!.netnsPath!)).sort()).toEqual(['eth0', 'lo', 'tap0']);

    await expect(mgr.remove('appnet')).rejects.toMatchObject({ status: 409 });
    await expect(mgr.remove('bridge')).rejects.toThrow(
      'bridge is a pre-defined network and cannot be removed',
    );
  });

  it('connects and disconnects a running container', async () => {
    await mgr.connect(cid(1), 'appnet', { Aliases: ['webby'] });
    const att = mgr.attachment(cid(1))!;
    expect(att.endpoints.map((e) => e.network)).toEqual(['bridge', 'appnet']);
    expect(await fetchFromNetns(att.netnsPath!, 'http://172.18.0.2/')).toBe('db here');
    expect(mgr.hostsEntries(cid(5)).some((e) => e.names.includes('webby'))).toBe(true);
    await mgr.disconnect(cid(1), 'appnet');
    expect(await linksIn(att.netnsPath!)).not.toContain('eth1');
    expect(events.filter((e) => e.attrs.container === cid(1)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['connect', 'disconnect']),
    );
  });

  it('gives `none` only a loopback and `host` the host namespace', async () => {
    const none = await mgr.ensureNamespace(cid(6), { name: 'lonely', networkMode: 'none' });
    expect(await linksIn(none.netnsPath!)).toEqual(['lo']);
    expect(none.ports).toEqual([]);
    const host = await mgr.ensureNamespace(cid(7), { name: 'hosty', networkMode: 'host' });
    expect(host.netnsPath).toBeNull();
    expect(Object.keys(mgr.inspect('host').Containers)).toEqual([cid(7)]);
    await mgr.release(cid(6));
    await mgr.release(cid(7));
    expect(namespacesWith(`${PREFIX}c-${cid(6).slice(0, 12)}`)).toEqual([]);
  });

  it('gives an internal network no uplink', async () => {
    await mgr.create({ Name: 'sealed', Internal: true });
    const att = await mgr.ensureNamespace(cid(8), { name: 'sealed1', networkMode: 'sealed' });
    expect((await linksIn(att.netnsPath!)).sort()).toEqual(['eth0', 'lo']);
    expect(att.nameservers).toEqual([]);
    await mgr.release(cid(8));
    await mgr.remove('sealed');
  });

  it('is adopted by a new manager after an engine restart', async () => {
    // A namespace left by a crash mid-setup (no record) is swept on open.
    execFileSync('ip', ['netns', 'add', `${PREFIX}c-deadbeef0000`]);
    const before = mgr.attachment(cid(2))!;
    const state = JSON.parse(await readFile(join(dir, 'state', 'network-state.json'), 'utf8')) as {
      sandboxes: { containerId: string; pastaPid: number }[];
    };
    const pid = state.sandboxes.find((s) => s.containerId === cid(2))!.pastaPid;
    const again = await open();
    expect(namespacesWith(`${PREFIX}c-deadbeef0000`)).toEqual([]);
    expect(again.attachment(cid(2))).toEqual(before);
    expect(pidAlive(pid)).toBe(true);
    const tcp = before.ports.find((p) => p.proto === 'tcp')!;
    expect(await get(`http://127.0.0.1:${tcp.hostPort}/`)).toBe('random ok');
    expect(again.inspect('appnet').Id).toBe(mgr.inspect('appnet').Id);

    // A pasta that died while the engine was down is restarted with the same ports.
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const third = await open();
    const repaired = third.attachment(cid(2))!;
    expect(repaired.ports).toEqual(before.ports);
    expect(await get(`http://127.0.0.1:${tcp.hostPort}/`)).toBe('random ok');
    mgr = third;
  });

  it('release removes pasta, namespace and veth; unused networks can then be removed', async () => {
    killChildren();
    const state = () =>
      readFile(join(dir, 'state', 'network-state.json'), 'utf8').then(
        (t) => JSON.parse(t) as { sandboxes: { containerId: string; pastaPid?: number }[] },
      );
    const pids = (await state()).sandboxes.map((s) => s.pastaPid).filter((p): p is number => !!p);
    expect(pids.length).toBeGreaterThan(0);
    for (const id of [cid(1), cid(2), cid(4), cid(5)]) await mgr.release(id);
    for (const p of pids) expect(pidAlive(p)).toBe(false);
    expect(namespacesWith(`${PREFIX}c-`)).toEqual([]);
    const hub = namespacesWith(`${PREFIX}n-`);
    for (const h of hub)
      expect(await linksIn(`/run/netns/${h}`)).toEqual(
        expect.not.arrayContaining([expect.stringMatching(/^v/)]),
      );
    expect((await state()).sandboxes).toEqual([]);
    expect(mgr.inspect('appnet').Containers).toEqual({});
    expect(await mgr.prune()).toEqual(['appnet']);
    expect(namespacesWith(`${PREFIX}n-`).length).toBe(1); // the default bridge's hub stays
  });
});
