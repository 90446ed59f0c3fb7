/**
 * `docker run` with the real docker CLI against a real `berth engine` on crun/runc under conmon:
 * process options, users, mounts, restart policies, init, resources (OOM), networks, capabilities
 * and dockerd's error texts and exit codes.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCode, dockerOk, inspect, setup, until, waitStatus, type Setup } from './helpers.js';

let s: Setup;
let img: string;
let hostDir: string;

beforeAll(async () => {
  s = await setup();
  img = s.img;
  hostDir = mkdtempSync(join(tmpdir(), 'berth-bind-'));
});

afterAll(async () => {
  await s?.stop();
  if (hostDir) rmSync(hostDir, { recursive: true, force: true });
});

const run = (args: string[], opts?: { input?: string; timeoutMs?: number }) =>
  dockerOk(s.eng, ['run', '--rm', ...args], opts);

describe('docker run: process', () => {
  it('runs echo in the foreground and removes the container with --rm', async () => {
    const res = await run(['--name', 'echoer', img, 'echo', 'hello', 'world']);
    expect(res.stdout).toBe('hello world\n');
    const ps = await dockerOk(s.eng, ['ps', '-a', '-q', '--filter', 'name=echoer']);
    expect(ps.stdout.trim()).toBe('');
  });

  it('runs detached and prints the full ID', async () => {
    const res = await dockerOk(s.eng, ['run', '-d', img, 'sleep', '300']);
    const id = res.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const c = await inspect(s.eng, id);
    expect(c.State.Running).toBe(true);
    expect(c.State.Pid).toBeGreaterThan(0);
    await dockerOk(s.eng, ['rm', '-f', id]);
  });

  it('sets env (-e, --env-file), working dir, hostname and entrypoint', async () => {
    const envFile = join(hostDir, 'env.list');
    writeFileSync(envFile, '# comment\nFROM_FILE=yes\nSPACED=a b\n');
    const env = await run(['-e', 'FOO=bar', '-e', 'EMPTY=', '--env-file', envFile, img, 'env']);
    const lines = env.stdout.split('\n');
    expect(lines).toContain('FOO=bar');
    expect(lines).toContain('EMPTY=');
    expect(lines).toContain('FROM_FILE=yes');
    expect(lines).toContain('SPACED=a b');
    expect(lines).toContain('HOME=/root');
    expect(lines.some((l) => l.startsWith('PATH=/usr/local/sbin:'))).toBe(true);
    expect(lines).toContain('HOSTNAME=' + lines.find((l) => l.startsWith('HOSTNAME='))!.slice(9));

    expect((await run(['-w', '/tmp/made/here', img, 'pwd'])).stdout).toBe('/tmp/made/here\n');
    expect((await run(['--hostname', 'boat', img, 'hostname'])).stdout).toBe('boat\n');
    expect((await run(['--hostname', 'boat', img, 'cat', '/etc/hostname'])).stdout).toBe('boat\n');
    expect((await run(['--entrypoint', 'echo', img, 'via', 'entrypoint'])).stdout).toBe('via entrypoint\n');
    // The default hostname is the short ID.
    const id = (await dockerOk(s.eng, ['run', '-d', img, 'hostname'])).stdout.trim();
    await dockerOk(s.eng, ['wait', id]);
    expect((await dockerOk(s.eng, ['logs', id])).stdout).toBe(id.slice(0, 12) + '\n');
    await dockerOk(s.eng, ['rm', id]);
  });

  it('runs as another user (-u nobody, -u 1000:1000)', async () => {
    expect((await run(['-u', 'nobody', img, 'id'])).stdout.trim()).toMatch(
      /^uid=65534\(nobody\) gid=65534\(nogroup\)/,
    );
    expect((await run(['-u', '1000:1000', img, 'id', '-u'])).stdout).toBe('1000\n');
    expect((await run(['-u', '1000:1000', img, 'id', '-g'])).stdout).toBe('1000\n');
    const bad = await dockerCode(s.eng, ['run', '--rm', '-u', 'nosuchuser', img, 'true']);
    expect(bad.stderr).toMatch(/unable to find user nosuchuser: no matching entries in passwd file/);
  });

  it('adds hosts and uses a read-only root filesystem', async () => {
    const hosts = await run(['--add-host', 'db.local:10.1.2.3', img, 'cat', '/etc/hosts']);
    expect(hosts.stdout).toMatch(/^10\.1\.2\.3\s+db\.local$/m);
    expect(hosts.stdout).toMatch(/^127\.0\.0\.1\s+localhost/m);

    const ro = await dockerCode(s.eng, ['run', '--rm', '--read-only', img, 'touch', '/x'], 1);
    expect(ro.stderr).toMatch(/Read-only file system/);
    // /tmp is not writable either, but a --tmpfs is.
    await run(['--read-only', '--tmpfs', '/scratch', img, 'touch', '/scratch/x']);
  });

  it('exits with the command status, 127 for a missing command and 126 for a non-executable', async () => {
    await dockerCode(s.eng, ['run', '--rm', img, 'sh', '-c', 'exit 42'], 42);
    const missing = await dockerCode(s.eng, ['run', '--rm', img, 'nosuchcmd'], 127);
    expect(missing.stderr).toMatch(/exec: "nosuchcmd": executable file not found in \$PATH/);
    const notExec = await dockerCode(s.eng, ['run', '--rm', img, '/etc/passwd'], 126);
    expect(notExec.stderr).toMatch(/permission denied/);
    const absent = await dockerCode(s.eng, ['run', '--rm', img, '/no/such/file'], 127);
    expect(absent.stderr).toMatch(/no such file or directory/);
  });

  it('refuses a duplicate --name with dockerd text', async () => {
    await dockerOk(s.eng, ['create', '--name', 'dup', img, 'true']);
    const res = await dockerCode(s.eng, ['run', '--name', 'dup', img, 'true'], 125);
    expect(res.stderr).toMatch(
      /Conflict\. The container name "\/dup" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\./,
    );
    await dockerOk(s.eng, ['rm', 'dup']);
  });
});

describe('docker run: mounts', () => {
  it('mounts named and anonymous volumes', async () => {
    await run(['-v', 'runvol:/data', img, 'sh', '-c', 'echo persisted > /data/f']);
    expect((await run(['-v', 'runvol:/data', img, 'cat', '/data/f'])).stdout).toBe('persisted\n');
    const id = (await dockerOk(s.eng, ['create', '-v', '/anon', img, 'true'])).stdout.trim();
    const c = await inspect(s.eng, id);
    const m = c.Mounts.find((x: { Destination: string }) => x.Destination === '/anon');
    expect(m).toMatchObject({ Type: 'volume', Driver: 'local', RW: true });
    expect(m.Name).toMatch(/^[0-9a-f]{64}$/);
    await dockerOk(s.eng, ['rm', '-v', id]);
    const vols = await dockerOk(s.eng, ['volume', 'ls', '-q']);
    expect(vols.stdout).not.toContain(m.Name);
  });

  it('bind-mounts a host directory read-write and read-only', async () => {
    writeFileSync(join(hostDir, 'from-host'), 'host data\n');
    const res = await run([
      '-v',
      `${hostDir}:/host`,
      img,
      'sh',
      '-c',
      'cat /host/from-host; echo back > /host/from-ctr',
    ]);
    expect(res.stdout).toBe('host data\n');
    expect(readFileSync(join(hostDir, 'from-ctr'), 'utf8')).toBe('back\n');
    const ro = await dockerCode(
      s.eng,
      ['run', '--rm', '-v', `${hostDir}:/host:ro`, img, 'touch', '/host/x'],
      1,
    );
    expect(ro.stderr).toMatch(/Read-only file system/);
    const missing = await dockerCode(s.eng, [
      'run',
      '--rm',
      '--mount',
      `type=bind,src=${hostDir}/nope,dst=/x`,
      img,
      'true',
    ]);
    expect(missing.stderr).toMatch(
      /invalid mount config for type "bind": bind source path does not exist: .*\/nope/,
    );
    // `-v` creates a missing host directory.
    await run(['-v', `${hostDir}/made/by/v:/m`, img, 'touch', '/m/f']);
    expect(readFileSync(join(hostDir, 'made/by/v/f'), 'utf8')).toBe('');
  });

  it('mounts with --mount type=volume|bind|tmpfs', async () => {
    const res = await run([
      '--mount',
      'type=volume,src=mountvol,dst=/v',
      '--mount',
      `type=bind,src=${hostDir},dst=/b,readonly`,
      '--mount',
      'type=tmpfs,dst=/t,tmpfs-size=1m',
      img,
      'sh',
      '-c',
      'echo v > /v/x && cat /v/x && cat /b/from-host && grep " /t " /proc/mounts && ! touch /b/y 2>/dev/null && echo ro',
    ]);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe('v');
    expect(lines[1]).toBe('host data');
    expect(lines[2]).toMatch(/^tmpfs \/t tmpfs rw.*size=1024k/);
    expect(lines[3]).toBe('ro');
    const t = await run(['--tmpfs', '/tt:rw,size=2m,mode=1777', img, 'grep', ' /tt ', '/proc/mounts']);
    expect(t.stdout).toMatch(/tmpfs \/tt tmpfs rw.*size=2048k/);
  });
});

describe('docker run: restart policies and init', () => {
  it('--restart on-failure:2 restarts twice and then stays exited', async () => {
    const id = (
      await dockerOk(s.eng, ['run', '-d', '--restart', 'on-failure:2', img, 'sh', '-c', 'echo run; exit 3'])
    ).stdout.trim();
    const c = await until(async () => {
      const x = await inspect(s.eng, id);
      return x.RestartCount === 2 && x.State.Status === 'exited' ? x : undefined;
    }, 20_000);
    expect(c, 'restart count reached 2 and exited').toBeTruthy();
    expect(c.State.ExitCode).toBe(3);
    await new Promise((r) => setTimeout(r, 1500));
    const later = await inspect(s.eng, id);
    expect(later.RestartCount).toBe(2);
    expect(later.State.Status).toBe('exited');
    expect((await dockerOk(s.eng, ['logs', id])).stdout).toBe('run\nrun\nrun\n');
    await dockerOk(s.eng, ['rm', id]);
  });

  it('--restart always restarts after a crash and docker stop ends it', async () => {
    const id = (
      await dockerOk(s.eng, ['run', '-d', '--restart', 'always', img, 'sh', '-c', 'sleep 0.3; exit 1'])
    ).stdout.trim();
    const c = await until(async () => {
      const x = await inspect(s.eng, id);
      return x.RestartCount >= 2 ? x : undefined;
    }, 20_000);
    expect(c, 'restarted at least twice').toBeTruthy();
    await dockerOk(s.eng, ['stop', '-t', '1', id]);
    const stopped = await waitStatus(s.eng, id, 'exited');
    const count = stopped.RestartCount;
    await new Promise((r) => setTimeout(r, 1500));
    const later = await inspect(s.eng, id);
    expect(later.State.Status).toBe('exited');
    expect(later.RestartCount).toBe(count);
    await dockerOk(s.eng, ['rm', id]);
  });

  it('--init runs catatonit as PID 1', async () => {
    const res = await run(['--init', img, 'cat', '/proc/1/cmdline']);
    expect(res.stdout.split('\0')[0]).toMatch(/catatonit|tini|docker-init/);
    const ps = await run(['--init', img, 'ps']);
    expect(ps.stdout).toMatch(/^\s*1 .*(catatonit|init)/m);
    // The init forwards the exit code.
    await dockerCode(s.eng, ['run', '--rm', '--init', img, 'sh', '-c', 'exit 5'], 5);
    const c = await inspect(s.eng, (await dockerOk(s.eng, ['create', '--init', img, 'true'])).stdout.trim());
    expect(c.HostConfig.Init).toBe(true);
    await dockerOk(s.eng, ['rm', c.Id]);
  });
});

describe('docker run: resources, networks and privileges', () => {
  it('--memory 64m: an allocation loop is OOM-killed (137, OOMKilled)', async () => {
    const id = (
      await dockerOk(s.eng, [
        'run',
        '-d',
        '--memory',
        '64m',
        '--memory-swap',
        '64m',
        img,
        'sh',
        '-c',
        'x=a; while true; do x=$x$x; done',
      ])
    ).stdout.trim();
    const wait = await dockerOk(s.eng, ['wait', id], { timeoutMs: 30_000 });
    expect(wait.stdout.trim()).toBe('137');
    const c = await inspect(s.eng, id);
    expect(c.State.OOMKilled).toBe(true);
    expect(c.State.ExitCode).toBe(137);
    expect(c.HostConfig.Memory).toBe(64 * 1024 * 1024);
    await dockerOk(s.eng, ['rm', id]);
  }, 60_000);

  it('--network none has only lo; --network host sees the host interfaces', async () => {
    const none = await run(['--network', 'none', img, 'ls', '/sys/class/net']);
    expect(none.stdout.split(/\s+/).filter(Boolean)).toEqual(['lo']);
    const host = await run(['--network', 'host', img, 'ls', '/sys/class/net']);
    const hostIfs = (await import('node:fs')).readdirSync('/sys/class/net').sort();
    expect(host.stdout.split(/\s+/).filter(Boolean).sort()).toEqual(hostIfs);
    // dockerd gives a host-network container the host's name.
    expect((await run(['--network', 'host', img, 'hostname'])).stdout.trim()).toBe(
      (await import('node:os')).hostname(),
    );
  });

  it('--pids-limit caps the number of processes', async () => {
    const res = await s.eng.docker([
      'run',
      '--rm',
      '--pids-limit',
      '8',
      img,
      'sh',
      '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done 2>&1; wait',
    ]);
    expect(res.stdout + res.stderr).toMatch(/can't fork|Resource temporarily unavailable|fork/i);
  });

  it('--cap-drop, --cap-add, --privileged and no-new-privileges', async () => {
    const capEff = async (args: string[]) => {
      const out = (await run([...args, img, 'grep', 'CapEff', '/proc/self/status'])).stdout;
      return BigInt('0x' + out.split(/\s+/)[1]);
    };
    const CHOWN = 1n << 0n;
    const NET_ADMIN = 1n << 12n;
    const SYS_ADMIN = 1n << 21n;
    const dflt = await capEff([]);
    expect(dflt).toBe(0xa80425fbn); // Docker's default capability set
    expect(await capEff(['--cap-drop', 'CHOWN'])).toBe(dflt & ~CHOWN);
    expect(await capEff(['--cap-add', 'NET_ADMIN'])).toBe(dflt | NET_ADMIN);
    expect((await capEff(['--cap-drop', 'ALL'])) & CHOWN).toBe(0n);
    const priv = await capEff(['--privileged']);
    expect(priv & SYS_ADMIN).toBe(SYS_ADMIN);
    await dockerCode(s.eng, ['run', '--rm', '--cap-drop', 'CHOWN', img, 'chown', 'nobody', '/tmp'], 1);

    const nnp = await run([
      '--security-opt',
      'no-new-privileges',
      img,
      'grep',
      'NoNewPrivs',
      '/proc/self/status',
    ]);
    expect(nnp.stdout).toMatch(/NoNewPrivs:\s+1/);
    const plain = await run([img, 'grep', 'NoNewPrivs', '/proc/self/status']);
    expect(plain.stdout).toMatch(/NoNewPrivs:\s+0/);
  });

  it('a non-executable file on the bind mount gives 126', async () => {
    writeFileSync(join(hostDir, 'script.sh'), '#!/bin/sh\necho ran\n');
    chmodSync(join(hostDir, 'script.sh'), 0o644);
    await dockerCode(s.eng, ['run', '--rm', '-v', `${hostDir}:/h`, img, '/h/script.sh'], 126);
    chmodSync(join(hostDir, 'script.sh'), 0o755);
    expect((await run(['-v', `${hostDir}:/h`, img, '/h/script.sh'])).stdout).toBe('ran\n');
  });
});
