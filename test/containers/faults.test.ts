/**
 * Fault tests for containers: live restore across an engine SIGKILL (running containers adopted,
 * exits while the engine was down recorded, restart policies resumed, logs/exec/attach working),
 * crash loops, stop timeouts, bad create bodies on the raw API, and confinement.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dockerCode,
  dockerOk,
  dockerPty,
  inspect,
  setup,
  sleep,
  until,
  waitStatus,
  type Setup,
} from './helpers.js';

let s: Setup;
let img: string;

beforeAll(async () => {
  s = await setup();
  img = s.img;
});

afterAll(async () => {
  await s?.stop();
});

const d = (args: string[], opts?: { input?: string; timeoutMs?: number }) => dockerOk(s.eng, args, opts);
const id = async (args: string[]) => (await d(args)).stdout.trim();

describe('live restore after the engine is SIGKILLed', () => {
  it('adopts running containers and records exits that happened while it was down', async () => {
    const sleeper = await id([
      'run',
      '-d',
      '--name',
      'lr-sleeper',
      img,
      'sh',
      '-c',
      'echo before; sleep 300',
    ]);
    const always = await id(['run', '-d', '--name', 'lr-always', '--restart', 'always', img, 'sleep', '300']);
    const tty = await id(['run', '-dit', '--name', 'lr-tty', img, 'sh']);
    const dying = await id(['run', '-d', '--name', 'lr-dying', img, 'sh', '-c', 'sleep 2; echo bye; exit 7']);
    const crashy = await id([
      'run',
      '-d',
      '--name',
      'lr-crashy',
      '--restart',
      'on-failure',
      img,
      'sh',
      '-c',
      'sleep 2; exit 3',
    ]);
    await until(async () => (await d(['logs', sleeper])).stdout.includes('before'));
    const pids = Object.fromEntries(
      await Promise.all([sleeper, always, tty].map(async (c) => [c, (await inspect(s.eng, c)).State.Pid])),
    );

    await s.eng.kill('SIGKILL');
    await sleep(3000); // lr-dying and lr-crashy exit meanwhile
    await s.eng.restart();

    for (const c of [sleeper, always, tty]) {
      const x = await inspect(s.eng, c);
      expect(x.State.Status, x.Name).toBe('running');
      expect(x.State.Pid, x.Name).toBe(pids[c]);
    }
    const dead = await waitStatus(s.eng, dying, 'exited');
    expect(dead.State.ExitCode).toBe(7);
    expect(dead.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect((await d(['logs', dying])).stdout).toBe('bye\n');
    // The restart policy is honoured for an exit that happened while the engine was down.
    const restarted = await until(async () => {
      const x = await inspect(s.eng, crashy);
      return x.RestartCount >= 1 ? x : undefined;
    }, 15_000);
    expect(restarted, 'lr-crashy restarted after the engine came back').toBeTruthy();

    const ps = (await d(['ps', '--format', '{{.Names}} {{.Status}}'])).stdout;
    expect(ps).toMatch(/^lr-sleeper Up /m);
    expect(ps).toMatch(/^lr-always Up /m);
    expect(ps).not.toMatch(/lr-dying/);

    // logs, exec and attach work on adopted containers.
    expect((await d(['logs', sleeper])).stdout).toBe('before\n');
    expect((await d(['exec', sleeper, 'echo', 'exec-ok'])).stdout).toBe('exec-ok\n');
    await dockerCode(s.eng, ['exec', sleeper, 'sh', '-c', 'exit 4'], 4);
    const att = await dockerPty(
      s.eng,
      ['attach', tty],
      [
        { delayMs: 300, send: 'echo "att=$((6*7))"\r' },
        { expect: 'att=42', send: '\x10\x11' },
      ],
      { timeoutMs: 15_000 },
    );
    expect(att.output).toContain('att=42');
    expect((await inspect(s.eng, tty)).State.Running).toBe(true);

    // stop works on an adopted container, and its exit is recorded.
    await d(['stop', '-t', '1', sleeper]);
    const st = await inspect(s.eng, sleeper);
    expect(st.State.Status).toBe('exited');
    expect(st.State.ExitCode).toBe(137);

    // A kill behind the engine's back to an adopted container with restart=always: it comes back.
    process.kill((await inspect(s.eng, always)).State.Pid, 'SIGKILL');
    const back = await until(async () => {
      const x = await inspect(s.eng, always);
      return x.RestartCount >= 1 && x.State.Running ? x : undefined;
    }, 15_000);
    expect(back, 'lr-always restarted').toBeTruthy();

    await d(['rm', '-f', sleeper, always, tty, dying, crashy]);
  }, 90_000);

  it('a clean engine restart (SIGTERM) also keeps containers running', async () => {
    const c = await id(['run', '-d', img, 'sleep', '300']);
    const pid = (await inspect(s.eng, c)).State.Pid;
    await s.eng.restart();
    const x = await inspect(s.eng, c);
    expect(x.State.Running).toBe(true);
    expect(x.State.Pid).toBe(pid);
    await d(['rm', '-f', c]);
  });
});

describe('process faults', () => {
  it('a crashing process with --restart on-failure is restarted with back-off and counted', async () => {
    // Under --init, sh is not PID 1 (which the kernel shields from its own signals) and can crash.
    const c = await id([
      'run',
      '-d',
      '--init',
      '--restart',
      'on-failure:3',
      img,
      'sh',
      '-c',
      'kill -SEGV $$',
    ]);
    const done = await until(async () => {
      const x = await inspect(s.eng, c);
      return x.RestartCount === 3 && x.State.Status === 'exited' ? x : undefined;
    }, 20_000);
    expect(done, 'three restarts, then exited').toBeTruthy();
    expect(done.State.ExitCode).toBe(139);
    await d(['rm', c]);
  });

  it('a container ignoring SIGTERM is killed after the stop timeout (StopTimeout, -t)', async () => {
    const c = await id([
      'run',
      '-d',
      '--stop-timeout',
      '1',
      img,
      'sh',
      '-c',
      'trap "" TERM; while true; do sleep 0.1; done',
    ]);
    expect((await inspect(s.eng, c)).Config.StopTimeout).toBe(1);
    await sleep(200);
    const t0 = Date.now();
    await d(['stop', c]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(6000);
    expect((await inspect(s.eng, c)).State.ExitCode).toBe(137);
    await d(['rm', c]);
  });

  it('exec into a stopped container is a 409', async () => {
    const c = await id(['run', '-d', img, 'true']);
    await d(['wait', c]);
    const res = await dockerCode(s.eng, ['exec', c, 'echo']);
    expect(res.stderr).toMatch(/is not running/i);
    const raw = await s.eng.request('POST', `/containers/${c}/exec`, { Cmd: ['echo'], AttachStdout: true });
    expect(raw.status).toBe(409);
    expect(raw.json().message).toMatch(/is not running/i);
    await d(['rm', c]);
  });
});

describe('bad create bodies (raw API)', () => {
  const create = (body: unknown, query = '') => s.eng.request('POST', `/containers/create${query}`, body);

  it('answers 400 with a clear message', async () => {
    const notJson = await create('{"Image": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json().message).toMatch(/invalid JSON|JSON/i);

    const noImage = await create({ Cmd: ['true'] });
    expect(noImage.status).toBe(400);
    expect(noImage.json().message).toMatch(/image|Image/);

    const wrongCmd = await create({ Image: img, Cmd: 42 });
    expect(wrongCmd.status).toBe(400);
    expect(wrongCmd.json().message).toMatch(/Cmd/);

    const wrongEnv = await create({ Image: img, Env: 'A=B' });
    expect(wrongEnv.status).toBe(400);
    expect(wrongEnv.json().message).toMatch(/Env/);

    const wrongHc = await create({ Image: img, HostConfig: { Memory: 'lots' } });
    expect(wrongHc.status).toBe(400);
    expect(wrongHc.json().message).toMatch(/Memory/);

    const badName = await create({ Image: img }, '?name=' + encodeURIComponent('bad name!'));
    expect(badName.status).toBe(400);
    expect(badName.json().message).toMatch(/Invalid container name/);

    const badRestart = await create({ Image: img, HostConfig: { RestartPolicy: { Name: 'sometimes' } } });
    expect(badRestart.status).toBe(400);
    expect(badRestart.json().message).toMatch(/invalid restart policy/i);

    const rmAndRestart = await create({
      Image: img,
      HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } },
    });
    expect(rmAndRestart.status).toBe(400);
    expect(rmAndRestart.json().message).toMatch(/can't create 'AutoRemove' container with restart policy/);

    const badMount = await create({
      Image: img,
      HostConfig: { Mounts: [{ Type: 'volume', Target: 'relative' }] },
    });
    expect(badMount.status).toBe(400);

    // Nothing was left behind.
    expect((await d(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('answers 404 No such image for an unknown image (so docker run pulls)', async () => {
    const res = await create({ Image: 'no-such-image:latest' });
    expect(res.status).toBe(404);
    expect(res.json().message).toBe('No such image: no-such-image:latest');
    const cli = await dockerCode(s.eng, ['create', '--pull', 'never', 'no-such-image']);
    expect(cli.stderr).toMatch(/No such image: no-such-image/);
  });
});

describe('confinement', () => {
  it('a container sees only its own processes', async () => {
    const out = (await d(['run', '--rm', img, 'ps', '-o', 'pid,comm'])).stdout.trim().split('\n').slice(1);
    expect(out.map((l) => l.trim().split(/\s+/)[1])).toEqual(['ps']);
    expect(out[0]!.trim().split(/\s+/)[0]).toBe('1');
  });

  it('cannot mount, write /proc/sys or load modules; --privileged can mount and write /proc/sys', async () => {
    const mount = await dockerCode(s.eng, ['run', '--rm', img, 'mount', '-t', 'tmpfs', 'none', '/tmp']);
    expect(mount.stderr).toMatch(/permission denied|Operation not permitted/i);
    const sys = await dockerCode(s.eng, [
      'run',
      '--rm',
      img,
      'sh',
      '-c',
      'echo evil > /proc/sys/kernel/hostname',
    ]);
    expect(sys.stderr).toMatch(/Read-only file system/);
    if (existsSync('/proc/sysrq-trigger')) {
      const sysrq = await dockerCode(s.eng, ['run', '--rm', img, 'sh', '-c', 'echo 1 > /proc/sysrq-trigger']);
      expect(sysrq.stderr).toMatch(/Read-only file system|Permission denied/i);
    }
    // No CAP_SYS_MODULE, and /sys is read-only.
    const caps = (await d(['run', '--rm', img, 'grep', 'CapEff', '/proc/self/status'])).stdout;
    expect(BigInt('0x' + caps.split(/\s+/)[1]) & (1n << 16n)).toBe(0n);
    await dockerCode(s.eng, ['run', '--rm', img, 'touch', '/sys/kernel/x']);
    // Masked paths read empty (those this kernel has).
    for (const masked of ['/proc/kcore', '/proc/keys', '/proc/timer_list'].filter((p) => existsSync(p)))
      expect((await d(['run', '--rm', img, 'cat', masked])).stdout, masked).toBe('');

    const priv = await d([
      'run',
      '--rm',
      '--privileged',
      img,
      'sh',
      '-c',
      'mkdir -p /mnt && mount -t tmpfs none /mnt && echo mounted && echo privhost > /proc/sys/kernel/hostname && hostname',
    ]);
    expect(priv.stdout).toBe('mounted\nprivhost\n');
  });

  it('the host cannot be reached through /proc/1 of the container', async () => {
    const res = await d(['run', '--rm', img, 'cat', '/proc/1/cmdline']);
    expect(res.stdout.split('\0')[0]).toBe('cat');
  });
});
