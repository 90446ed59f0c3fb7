import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { dockerPortMap, parsePortKey, pastaPortArgs, resolvePorts } from './ports.js';

describe('ports', () => {
  it('parses port keys', () => {
    expect(parsePortKey('80')).toEqual({ port: 80, proto: 'tcp' });
    expect(parsePortKey('53/udp')).toEqual({ port: 53, proto: 'udp' });
    expect(() => parsePortKey('99999/tcp')).toThrow(/invalid port/);
  });

  it('resolves explicit and random host ports on the requested address', async () => {
    const got = await resolvePorts(
      {
        portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        publishAll: true,
        exposedPorts: ['80/tcp', '9000/udp'],
      },
      '127.0.0.1',
    );
    expect(got).toHaveLength(2);
    expect(got.every((b) => b.hostIp === '127.0.0.1' && b.hostPort > 0)).toBe(true);
  });

  it('reports a busy port with dockerd wording', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      await expect(
        resolvePorts({ portBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } }),
      ).rejects.toThrow(`Bind for 127.0.0.1:${port} failed: port is already allocated`);
    } finally {
      srv.close();
    }
  });

  it('renders pasta specs and docker port maps', () => {
    const b = [
      { containerPort: 80, proto: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 53, proto: 'udp' as const, hostIp: '0.0.0.0', hostPort: 5353 },
    ];
    expect(pastaPortArgs(b)).toEqual([
      '-t',
      '127.0.0.1/8080:80',
      '-u',
      '5353:53',
      '-T',
      'none',
      '-U',
      'none',
    ]);
    expect(pastaPortArgs([])).toEqual(['-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none']);
    expect(dockerPortMap(b, ['443/tcp'])).toEqual({
      '443/tcp': null,
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
    });
  });
});
