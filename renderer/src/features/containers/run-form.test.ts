import { describe, expect, it } from 'vitest';
import { emptyForm, parseMemory, splitCommand, toRunOptions } from './run-form';

describe('run form', () => {
  it('splits commands like a shell', () => {
    expect(splitCommand('sleep 3600')).toEqual(['sleep', '3600']);
    expect(splitCommand(`sh -c 'echo "hi there"; ls'`)).toEqual(['sh', '-c', 'echo "hi there"; ls']);
    expect(splitCommand(`echo "a \\"b\\"" c\\ d ''`)).toEqual(['echo', 'a "b"', 'c d', '']);
    expect(splitCommand(`echo 'open`)).toEqual({ error: 'unterminated' });
  });

  it('reads memory with docker units', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseMemory('1048576')).toBe(1048576);
    expect(parseMemory('lots')).toBeUndefined();
  });

  it('builds run options from a filled form', () => {
    const r = toRunOptions({
      ...emptyForm('nginx:1.27'),
      name: 'web',
      command: 'nginx -g "daemon off;"',
      ports: [
        { host: '8080', container: '80', protocol: 'tcp' },
        { host: '127.0.0.1:5353', container: '53', protocol: 'udp' },
        { host: '', container: '443', protocol: 'tcp' },
        { host: '', container: '', protocol: 'tcp' },
      ],
      mounts: [
        { type: 'volume', source: 'data', target: '/data', readOnly: false },
        { type: 'volume', source: '', target: '/cache', readOnly: false },
        { type: 'bind', source: '/srv/site', target: '/usr/share/nginx/html', readOnly: true },
      ],
      env: 'A=1\n\n# comment\nB=two words',
      restart: 'on-failure',
      maxRetries: '3',
      cpus: '0.5',
      memory: '256m',
    });
    expect(r).toEqual({
      options: {
        image: 'nginx:1.27',
        name: 'web',
        command: ['nginx', '-g', 'daemon off;'],
        ports: [
          { containerPort: 80, protocol: 'tcp', hostPort: 8080 },
          { containerPort: 53, protocol: 'udp', hostPort: 5353, hostIp: '127.0.0.1' },
          { containerPort: 443, protocol: 'tcp' },
        ],
        mounts: [
          { type: 'volume', source: 'data', target: '/data', readOnly: false },
          { type: 'volume', target: '/cache', readOnly: false },
          { type: 'bind', source: '/srv/site', target: '/usr/share/nginx/html', readOnly: true },
        ],
        env: ['A=1', 'B=two words'],
        restart: 'on-failure',
        maxRetries: 3,
        cpus: 0.5,
        memory: 256 * 1024 ** 2,
        tty: false,
        interactive: false,
        autoRemove: false,
        pull: 'missing',
      },
    });
  });

  it('explains what is wrong, field by field', () => {
    const r = toRunOptions({
      ...emptyForm(''),
      name: 'x',
      command: "echo 'oops",
      ports: [
        { host: '99999', container: 'http', protocol: 'tcp' },
        { host: '8080', container: '80', protocol: 'tcp' },
        { host: '8080', container: '81', protocol: 'tcp' },
      ],
      mounts: [
        { type: 'bind', source: 'relative', target: 'data', readOnly: false },
        { type: 'volume', source: 'bad name', target: '/x', readOnly: false },
      ],
      env: 'GOOD=1\nnot a pair',
      cpus: '0',
      memory: '1m',
      autoRemove: true,
      restart: 'always',
    });
    expect('errors' in r && Object.fromEntries(Object.entries(r.errors).map(([k, v]) => [k, v.key]))).toEqual(
      {
        image: 'containers.run.error.imageRequired',
        name: 'containers.run.error.name',
        command: 'containers.run.error.quote',
        'ports.0.container': 'containers.run.error.port',
        'ports.0.host': 'containers.run.error.port',
        'ports.2.host': 'containers.run.error.portTwice',
        'mounts.0.target': 'containers.run.error.target',
        'mounts.0.source': 'containers.run.error.bindSource',
        'mounts.1.source': 'containers.run.error.volumeName',
        env: 'containers.run.error.env',
        restart: 'containers.run.error.rmRestart',
        cpus: 'containers.run.error.cpus',
        memory: 'containers.run.error.memoryMin',
      },
    );
  });
});
