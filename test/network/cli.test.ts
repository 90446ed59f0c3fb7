import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { setup, dockerOk, type Setup } from '../containers/helpers.js';

/** A free port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function httpGetRetry(port: number, tries = 30): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await httpGet(port);
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const WEB = 'mkdir -p /www && echo "hello $0" > /www/index.html && exec httpd -f -p 80 -h /www';

describe('container networking through the docker CLI', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('publishes a port on 127.0.0.1 (-p 127.0.0.1:H:80) and shows it in ps and port', async () => {
    const port = await freePort();
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'web1',
      '-p',
      `127.0.0.1:${port}:80`,
      s.img,
      'sh',
      '-c',
      WEB,
      'web1',
    ]);
    expect(await httpGetRetry(port)).toBe('hello web1\n');
    expect((await dockerOk(s.eng, ['port', 'web1'])).stdout.trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
    const ps = await dockerOk(s.eng, ['ps', '--filter', 'name=web1', '--format', '{{.Ports}}']);
    expect(ps.stdout.trim()).toBe(`127.0.0.1:${port}->80/tcp`);
    // The port closes with the container.
    await dockerOk(s.eng, ['rm', '-f', 'web1']);
    await expect(httpGet(port)).rejects.toThrow();
  });

  it('publishes exposed ports on random host ports with -P', async () => {
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'web2',
      '--expose',
      '80',
      '-P',
      s.img,
      'sh',
      '-c',
      WEB,
      'web2',
    ]);
    const out = (await dockerOk(s.eng, ['port', 'web2', '80/tcp'])).stdout.trim().split('\n');
    const v4 = out.find((l) => /^0\.0\.0\.0:\d+$/.test(l)) ?? out[0]!;
    const port = Number(v4.split(':').pop());
    expect(port).toBeGreaterThan(0);
    expect(await httpGetRetry(port)).toBe('hello web2\n');
    await dockerOk(s.eng, ['rm', '-f', 'web2']);
  });

  it("refuses a host port that is already taken, with dockerd's message", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    try {
      const r = await s.eng.docker([
        'run',
        '-d',
        '--name',
        'web3',
        '-p',
        `127.0.0.1:${port}:80`,
        s.img,
        'sleep',
        '30',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
    } finally {
      srv.close();
      await s.eng.docker(['rm', '-f', 'web3']);
    }
  });

  it('resolves container names on a user-defined network', async () => {
    await dockerOk(s.eng, ['network', 'create', 'appnet']);
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'peer',
      '--network',
      'appnet',
      '--network-alias',
      'db',
      s.img,
      'sleep',
      '60',
    ]);
    const ping = await dockerOk(s.eng, [
      'run',
      '--rm',
      '--network',
      'appnet',
      s.img,
      'sh',
      '-c',
      'ping -c 1 -W 2 peer && ping -c 1 -W 2 db',
    ]);
    expect(ping.stdout).toMatch(/1 packets received/);
    const inspect = JSON.parse((await dockerOk(s.eng, ['network', 'inspect', 'appnet'])).stdout);
    expect(
      Object.values(inspect[0].Containers as Record<string, { Name: string }>).map((c) => c.Name),
    ).toContain('peer');
    const rm = await s.eng.docker(['network', 'rm', 'appnet']);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/has active endpoints/);
    await dockerOk(s.eng, ['rm', '-f', 'peer']);
    await dockerOk(s.eng, ['network', 'rm', 'appnet']);
  });

  it('gives --network none only a loopback interface, and lists the predefined networks', async () => {
    const out = await dockerOk(s.eng, ['run', '--rm', '--network', 'none', s.img, 'cat', '/proc/net/dev']);
    const ifaces = out.stdout
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]!.trim())
      .filter(Boolean);
    expect(ifaces).toEqual(['lo']);
    const ls = (await dockerOk(s.eng, ['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout;
    expect(ls).toContain('bridge bridge');
    expect(ls).toContain('host host');
    expect(ls).toContain('none null');
    const rm = await s.eng.docker(['network', 'rm', 'bridge']);
    expect(rm.stderr).toContain('bridge is a pre-defined network and cannot be removed');
  });

  it('keeps published ports working across an engine crash (SIGKILL) and restart', async () => {
    const port = await freePort();
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'web4',
      '-p',
      `127.0.0.1:${port}:80`,
      s.img,
      'sh',
      '-c',
      WEB,
      'web4',
    ]);
    expect(await httpGetRetry(port)).toBe('hello web4\n');
    await s.eng.kill('SIGKILL');
    // pasta and the container outlive the engine.
    expect(await httpGetRetry(port)).toBe('hello web4\n');
    await s.eng.restart();
    expect((await dockerOk(s.eng, ['port', 'web4'])).stdout.trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
    await dockerOk(s.eng, ['rm', '-f', 'web4']);
    await expect(httpGet(port)).rejects.toThrow();
  });

  it("joins another container's network with --network container:<name>", async () => {
    const port = await freePort();
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'owner',
      '-p',
      `127.0.0.1:${port}:80`,
      s.img,
      'sleep',
      '60',
    ]);
    // The joiner serves on the owner's namespace: the owner's published port reaches it.
    await dockerOk(s.eng, [
      'run',
      '-d',
      '--name',
      'joiner',
      '--network',
      'container:owner',
      s.img,
      'sh',
      '-c',
      WEB,
      'joiner',
    ]);
    expect(await httpGetRetry(port)).toBe('hello joiner\n');
    const stopped = await s.eng.docker(['create', '--network', 'container:nosuch', s.img, 'true']);
    expect(stopped.stderr).toContain('No such container: nosuch');
    await dockerOk(s.eng, ['rm', '-f', 'joiner', 'owner']);
  });
});
