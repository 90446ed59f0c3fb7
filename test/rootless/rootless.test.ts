/**
 * Rootless mode end to end: `berth engine` started as an ordinary user (see helpers.ts) and driven by
 * the real docker CLI — pull, run (echo, -d, -it, --rm, -e, -w, -u, -v named and bind, -p), logs,
 * exec, stop/start, rm, volumes, images whose layers hold files of other owners, limits without
 * cgroups, adoption after a restart and after kill -9, and the fuse-overlayfs fallback.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { busyboxEntries, pushFixtureImages, pushImage, type Fixtures } from '../support/images.js';
import { freePort } from '../support/processes.js';
import { dockerCode, dockerOk, dockerPty, inspect, until, waitStatus } from '../containers/helpers.js';
import {
  childrenOf,
  ensureRootlessUser,
  processIdentity,
  startRootlessEngine,
  type RootlessEngine,
  type RootlessUser,
} from './helpers.js';

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

async function httpGetRetry(port: number, tries = 40): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await httpGet(port);
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The engine process inside the user namespace: the outer process re-runs itself there (nsenter → node). */
function innerEngine(eng: RootlessEngine): number | undefined {
  const outer = eng.pid()!;
  const own = processIdentity(outer).userns;
  return childrenOf(outer).find((p) => processIdentity(p).userns !== own);
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const WEB = 'mkdir -p /tmp/www && echo "hello $0" > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www';

// Two engine processes per engine and a user namespace each: give a loaded machine room.
describe('rootless: berth engine as an ordinary user, driven by the docker CLI', { timeout: 120_000 }, () => {
  let user: RootlessUser;
  let reg: TestRegistry;
  let fx: Fixtures;
  let eng: RootlessEngine;
  let img: string;
  let owned: string;

  beforeAll(async () => {
    user = ensureRootlessUser();
    reg = await startRegistry();
    fx = await pushFixtureImages(reg);
    img = fx.busybox.ref;
    // Files of other owners, a device node (left out rootless, as dockerd does) and a setuid bit.
    owned = (
      await pushImage(
        reg,
        'owned',
        'latest',
        [
          {
            entries: [
              ...busyboxEntries(),
              { name: 'home', type: 'directory' },
              { name: 'home/app', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 },
              { name: 'home/app/file', content: 'owned\n', uid: 1000, gid: 1000 },
              { name: 'srv', type: 'directory', uid: 33, gid: 33 },
              { name: 'usr/bin/suid', content: '#!/bin/sh\n', mode: 0o4755, uid: 0, gid: 50 },
              { name: 'dev/mynull', type: 'character-device', devmajor: 1, devminor: 3 },
            ],
          },
        ],
        { config: { created: '2024-06-01T00:00:00Z', config: { Cmd: ['sh'] } } },
      )
    ).ref;
    eng = await startRootlessEngine(user, { config: { 'insecure-registries': [reg.host] } });
    await dockerOk(eng, ['pull', '-q', img]);
  }, 240_000);

  afterAll(async () => {
    await eng?.stop();
    await reg?.stop();
  });

  it('runs as the user, as root of its own user namespace over the subordinate IDs', async () => {
    const outer = eng.pid()!;
    expect(processIdentity(outer).uid).toBe(user.uid);
    const inner = innerEngine(eng);
    expect(inner, 'the engine inside the user namespace').toBeDefined();
    expect(processIdentity(inner!).uid).toBe(user.uid);
    const map = readFileSync(`/proc/${inner}/uid_map`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(map[0]).toEqual(['0', String(user.uid), '1']);
    expect(map[1]!.slice(0, 2)).toEqual(['1', String(user.subUidStart)]);

    const info = JSON.parse((await dockerOk(eng, ['info', '--format', '{{json .}}'])).stdout);
    expect(info.SecurityOptions).toContain('name=rootless');
    expect(info.CgroupDriver).toBe('none');
    expect(eng.logs()).toContain('(rootless)');
  });

  it('pulls layers with other owners, whiteouts and opaque dirs; their files belong to subordinate IDs', async () => {
    await dockerOk(eng, ['pull', '-q', owned]);
    await dockerOk(eng, ['pull', '-q', fx.threeLayer.ref]);
    const res = await dockerOk(eng, [
      'run',
      '--rm',
      owned,
      'sh',
      '-c',
      'stat -c "%n %u:%g %a" /home/app /home/app/file /srv /usr/bin/suid; cat /home/app/file; ls /dev',
    ]);
    expect(res.stdout).toContain('/home/app 1000:1000 750');
    expect(res.stdout).toContain('/home/app/file 1000:1000 644');
    expect(res.stdout).toContain('/srv 33:33 755');
    expect(res.stdout).toContain('/usr/bin/suid 0:50 4755');
    expect(res.stdout).toContain('owned\n');
    expect(res.stdout).not.toContain('mynull');
    // On the host, namespace uid 1000 is subordinate uid start + 999.
    const onHost = execFileSync('find', [eng.dataRoot, '-path', '*/home/app/file'], { encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
    expect(statSync(onHost).uid).toBe(user.subUidStart + 999);
    expect(statSync(onHost).gid).toBe(user.subGidStart + 999);
    // Whiteouts and opaque directories (user.overlay.opaque under userxattr).
    const three = await dockerOk(eng, [
      'run',
      '--rm',
      fx.threeLayer.ref,
      'sh',
      '-c',
      'ls /data; ls /etc/dir',
    ]);
    expect(three.stdout.split('\n').filter(Boolean)).toEqual(['b', 'c', 'y']);
  });

  it('docker run: echo, --rm, -e, -w, -u', async () => {
    expect((await dockerOk(eng, ['run', '--rm', img, 'echo', 'hello rootless'])).stdout).toBe(
      'hello rootless\n',
    );
    const res = await dockerOk(eng, [
      'run',
      '--rm',
      '-e',
      'FOO=bar',
      '-w',
      '/home/app',
      '-u',
      '1000:1000',
      owned,
      'sh',
      '-c',
      'echo "$FOO $(pwd) $(id -u):$(id -g)"; touch mine && stat -c %u mine',
    ]);
    expect(res.stdout).toBe('bar /home/app 1000:1000\n1000\n');
    expect((await dockerOk(eng, ['ps', '-aq'])).stdout.trim()).toBe('');
    // The exit status comes through.
    await dockerCode(eng, ['run', '--rm', img, 'sh', '-c', 'exit 7'], 7);
  });

  it('-d, logs, exec, stop, start, rm', async () => {
    const id = (
      await dockerOk(eng, ['run', '-d', '--name', 'bg', img, 'sh', '-c', 'echo started; exec sleep 1000'])
    ).stdout.trim();
    await until(async () => (await dockerOk(eng, ['logs', 'bg'])).stdout.includes('started'));
    expect((await dockerOk(eng, ['logs', 'bg'])).stdout).toBe('started\n');
    expect((await dockerOk(eng, ['exec', 'bg', 'sh', '-c', 'echo in-$HOSTNAME'])).stdout).toBe(
      `in-${id.slice(0, 12)}\n`,
    );
    expect((await dockerOk(eng, ['exec', '-u', '33', 'bg', 'id', '-u'])).stdout).toBe('33\n');
    await dockerOk(eng, ['stop', '-t', '1', 'bg']);
    const stopped = await waitStatus(eng, 'bg', 'exited');
    expect(stopped.State.ExitCode).toBe(137);
    await dockerOk(eng, ['start', 'bg']);
    await waitStatus(eng, 'bg', 'running');
    expect((await dockerOk(eng, ['exec', 'bg', 'echo', 'again'])).stdout).toBe('again\n');
    await dockerOk(eng, ['rm', '-f', 'bg']);
    await dockerCode(eng, ['inspect', 'bg'], 1);
  });

  it('-it through a real PTY', async () => {
    const r = await dockerPty(
      eng,
      ['run', '-it', '--rm', img, 'sh'],
      [
        { expect: '# ', send: 'tty; echo "typed $((6*7))"\r' },
        { expect: 'typed 42', send: 'exit 3\r' },
      ],
    );
    expect(r.output).toContain('/dev/pts/0');
    expect(r.code).toBe(3);
  });

  it('named volumes (seeded, kept, chown inside) and bind mounts owned by the user', async () => {
    await dockerOk(eng, ['volume', 'create', 'rlvol']);
    await dockerOk(eng, [
      'run',
      '--rm',
      '-v',
      'rlvol:/data',
      img,
      'sh',
      '-c',
      'echo kept > /data/f && chown 1000:1000 /data/f',
    ]);
    expect(
      (await dockerOk(eng, ['run', '--rm', '-v', 'rlvol:/data', img, 'stat', '-c', '%u %n', '/data/f']))
        .stdout,
    ).toBe('1000 /data/f\n');
    // An empty named volume is seeded from the image, owners included.
    expect(
      (
        await dockerOk(eng, [
          'run',
          '--rm',
          '-v',
          'seeded:/home/app',
          owned,
          'stat',
          '-c',
          '%u %n',
          '/home/app/file',
        ])
      ).stdout,
    ).toBe('1000 /home/app/file\n');
    const vols = (await dockerOk(eng, ['volume', 'ls', '-q'])).stdout.split('\n');
    expect(vols).toEqual(expect.arrayContaining(['rlvol', 'seeded']));
    await dockerOk(eng, ['volume', 'rm', 'rlvol', 'seeded']);

    const bind = join(dirname(eng.dataRoot), 'bind');
    mkdirSync(bind);
    writeFileSync(join(bind, 'from-host'), 'host\n');
    chownSync(bind, user.uid, user.gid);
    chownSync(join(bind, 'from-host'), user.uid, user.gid);
    const res = await dockerOk(eng, [
      'run',
      '--rm',
      '-v',
      `${bind}:/b`,
      img,
      'sh',
      '-c',
      'cat /b/from-host; stat -c %u /b/from-host; echo ctr > /b/from-ctr',
    ]);
    // The user's files are root's inside; root's files are the user's outside.
    expect(res.stdout).toBe('host\n0\n');
    expect(readFileSync(join(bind, 'from-ctr'), 'utf8')).toBe('ctr\n');
    expect(statSync(join(bind, 'from-ctr')).uid).toBe(user.uid);
  });

  it('publishes a port on the host loopback (-p), served by a non-root user on port 80', async () => {
    const port = await freePort();
    await dockerOk(eng, [
      'run',
      '-d',
      '--name',
      'web',
      '-u',
      '1000',
      '-p',
      `127.0.0.1:${port}:80`,
      img,
      'sh',
      '-c',
      WEB,
      'web',
    ]);
    expect(await httpGetRetry(port)).toBe('hello web\n');
    expect((await dockerOk(eng, ['port', 'web'])).stdout.trim()).toBe(`80/tcp -> 127.0.0.1:${port}`);
    // Containers reach each other by name on a user-defined network.
    await dockerOk(eng, ['network', 'create', 'rlnet']);
    await dockerOk(eng, ['network', 'connect', 'rlnet', 'web']);
    expect(
      (await dockerOk(eng, ['run', '--rm', '--network', 'rlnet', img, 'wget', '-qO-', 'http://web/'])).stdout,
    ).toBe('hello web\n');
    await dockerOk(eng, ['rm', '-f', 'web']);
    await dockerOk(eng, ['network', 'rm', 'rlnet']);
    await expect(httpGet(port)).rejects.toThrow();
    // Host ports below the unprivileged limit stay out of reach, with a message that says why.
    const limit = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (limit > 1) {
      const low = await dockerCode(eng, ['run', '--rm', '-p', `127.0.0.1:${limit - 1}:80`, img, 'true']);
      expect(low.stderr).toMatch(
        /permission denied; publishing a port below net.ipv4.ip_unprivileged_port_start/,
      );
    }
  });

  it('resource limits warn and are ignored (no cgroups); pause is refused; stats and top still work', async () => {
    const run = await dockerOk(eng, ['run', '--rm', '--memory', '64m', '--cpus', '0.5', img, 'echo', 'ran']);
    expect(run.stdout).toBe('ran\n');
    expect(run.stderr).toMatch(
      /WARNING: Resource limits are not supported in rootless mode.*--memory, --cpus/,
    );

    await dockerOk(eng, ['run', '-d', '--name', 'busy', img, 'sh', '-c', 'while :; do :; done']);
    const pause = await dockerCode(eng, ['pause', 'busy']);
    expect(pause.stderr).toMatch(/pause is not supported in rootless mode/);
    const top = await dockerOk(eng, ['top', 'busy']);
    expect(top.stdout).toMatch(/while :/);
    expect(top.stdout.trim().split('\n')).toHaveLength(2);
    const stats = JSON.parse(
      (await dockerOk(eng, ['stats', '--no-stream', '--format', '{{json .}}', 'busy'])).stdout,
    );
    expect(stats.PIDs).toBe('1');
    expect(stats.MemUsage).not.toMatch(/^0B/);
    await dockerOk(eng, ['rm', '-f', 'busy']);
  });

  it('containers outlive the engine: a restart and a kill -9 both adopt them', async () => {
    const port = await freePort();
    await dockerOk(eng, [
      'run',
      '-d',
      '--name',
      'kept',
      '-p',
      `127.0.0.1:${port}:80`,
      img,
      'sh',
      '-c',
      WEB,
      'kept',
    ]);
    expect(await httpGetRetry(port)).toBe('hello kept\n');
    const pid = (await inspect(eng, 'kept')).State.Pid;

    await eng.restart();
    expect((await inspect(eng, 'kept')).State).toMatchObject({ Running: true, Pid: pid });
    expect((await dockerOk(eng, ['exec', 'kept', 'echo', 'after-restart'])).stdout).toBe('after-restart\n');

    const inner = innerEngine(eng)!;
    await eng.kill('SIGKILL');
    // The engine inside the namespace goes with the process the user started.
    expect(await until(async () => !alive(inner), 5000)).toBe(true);
    expect(await httpGetRetry(port)).toBe('hello kept\n');
    await eng.restart();
    expect((await inspect(eng, 'kept')).State).toMatchObject({ Running: true, Pid: pid });
    expect((await dockerOk(eng, ['exec', 'kept', 'echo', 'after-kill'])).stdout).toBe('after-kill\n');
    await dockerOk(eng, ['stop', '-t', '1', 'kept']);
    await dockerOk(eng, ['start', 'kept']);
    expect(await httpGetRetry(port)).toBe('hello kept\n');
    await dockerOk(eng, ['rm', '-f', 'kept']);
  });

  it('fuse-overlayfs (the fallback before Linux 5.11), and a clean stop leaves no process behind', async () => {
    const fuse = await startRootlessEngine(user, {
      config: { 'insecure-registries': [reg.host] },
      env: { BERTH_ROOTLESS_OVERLAY: 'fuse-overlayfs' },
    });
    try {
      await dockerOk(fuse, ['pull', '-q', fx.threeLayer.ref]);
      const res = await dockerOk(fuse, [
        'run',
        '--rm',
        fx.threeLayer.ref,
        'sh',
        '-c',
        'grep -c " / / .* fuse" /proc/self/mountinfo; ls /data; ls /etc/dir; echo w > /data/new && cat /data/new',
      ]);
      expect(res.stdout.split('\n').filter(Boolean)).toEqual(['1', 'b', 'c', 'y', 'w']);
      const holder = fuse.holderPid();
      expect(holder).toBeDefined();
      // No container left: SIGTERM ends the engine and its namespace holder.
      await fuse.kill('SIGTERM');
      expect(await until(async () => fuse.holderPid() === undefined, 5000)).toBe(true);
    } finally {
      await fuse.stop();
    }
  });
});
