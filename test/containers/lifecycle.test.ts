/**
 * Container lifecycle with the real docker CLI: `ps` listings and filters, Status strings, stop
 * (timeouts, stop signals), start, restart, kill, pause/unpause, wait, rename, update, rm, prune,
 * and the inspect document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  busyboxWith,
  dockerCode,
  dockerOk,
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

const d = (args: string[], timeoutMs?: number) => dockerOk(s.eng, args, { timeoutMs });
const id = async (args: string[]) => (await d(args)).stdout.trim();
/** `docker ps -q --no-trunc …`, as a list. */
const psq = async (args: string[]) =>
  (await d(['ps', '-q', '--no-trunc', ...args])).stdout.split('\n').filter(Boolean);

describe('docker ps', () => {
  let running: string;
  let exited0: string;
  let exited3: string;
  let created: string;
  let paused: string;

  beforeAll(async () => {
    const L = ['--label', 'suite=ps'];
    created = await id(['create', ...L, '--name', 'ps-created', img, 'true']);
    await sleep(20);
    exited0 = await id(['run', '-d', ...L, '--label', 'code=zero', '--name', 'ps-exited0', img, 'true']);
    await d(['wait', exited0]);
    exited3 = await id(['run', '-d', ...L, '--name', 'ps-exited3', img, 'sh', '-c', 'exit 3']);
    await d(['wait', exited3]);
    running = await id(['run', '-d', ...L, '--name', 'ps-running', img, 'sleep', '300']);
    paused = await id(['run', '-d', ...L, '--name', 'ps-paused', img, 'sleep', '300']);
    await d(['pause', paused]);
  });

  it('lists running (and paused) by default, everything with -a, newest first', async () => {
    expect(await psq(['--filter', 'label=suite=ps'])).toEqual([paused, running]);
    expect(await psq(['-a', '--filter', 'label=suite=ps'])).toEqual([
      paused,
      running,
      exited3,
      exited0,
      created,
    ]);
    expect(await psq(['-a', '-n', '2', '--filter', 'label=suite=ps'])).toEqual([paused, running]);
    expect(await psq(['-a', '-l', '--filter', 'label=suite=ps'])).toEqual([paused]);
    const short = await d(['ps', '-a', '-q', '--filter', 'label=suite=ps']);
    expect(short.stdout.split('\n').filter(Boolean)).toEqual(
      [paused, running, exited3, exited0, created].map((x) => x.slice(0, 12)),
    );
  });

  it('filters by status, exited, name, label, ancestor, before and since', async () => {
    const f = (...fs: string[]) =>
      psq(['-a', '--filter', 'label=suite=ps', ...fs.flatMap((x) => ['--filter', x])]);
    expect(await f('status=exited')).toEqual([exited3, exited0]);
    expect(await f('status=running')).toEqual([running]);
    expect(await f('status=paused')).toEqual([paused]);
    expect(await f('status=created')).toEqual([created]);
    expect(await f('exited=3')).toEqual([exited3]);
    expect(await f('exited=0')).toEqual([exited0]);
    expect(await f('name=ps-exited')).toEqual([exited3, exited0]);
    expect(await f('label=code=zero')).toEqual([exited0]);
    expect(await f('ancestor=' + img)).toHaveLength(5);
    expect(await f('ancestor=' + (await inspect(s.eng, created)).Image)).toHaveLength(5);
    expect(await f('before=ps-exited3')).toEqual([exited0, created]);
    expect(await f('since=ps-exited3')).toEqual([paused, running]);
    const bad = await dockerCode(s.eng, ['ps', '--filter', 'status=sleepy']);
    expect(bad.stderr).toMatch(/invalid filter 'status=sleepy'/);
    const unknown = await dockerCode(s.eng, ['ps', '--filter', 'colour=red']);
    expect(unknown.stderr).toMatch(/invalid filter 'colour'/);
  });

  it('prints Status strings as dockerd does, --no-trunc commands and -s sizes', async () => {
    const rows = (
      await d(['ps', '-a', '--no-trunc', '--filter', 'label=suite=ps', '--format', '{{json .}}'])
    ).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const by = (n: string) => rows.find((r: { Names: string }) => r.Names === n);
    expect(by('ps-created').Status).toBe('Created');
    expect(by('ps-exited3').Status).toMatch(/^Exited \(3\) (Less than a second|\d+ seconds?) ago$/);
    expect(by('ps-running').Status).toMatch(/^Up (Less than a second|\d+ seconds?)$/);
    expect(by('ps-paused').Status).toMatch(/^Up (Less than a second|\d+ seconds?) \(Paused\)$/);
    expect(by('ps-exited3').Command).toBe('"sh -c \'exit 3\'"');
    expect(by('ps-running').ID).toBe(running);

    await d(['exec', running, 'sh', '-c', 'head -c 100000 /dev/zero > /blob']);
    const table = (await d(['ps', '-s', '--filter', 'name=ps-running'])).stdout;
    expect(table.split('\n')[0]).toMatch(/SIZE$/);
    expect(table.split('\n')[1]).toMatch(/\s100kB \(virtual [\d.]+[kM]B\)$/);
    const sized = JSON.parse(
      (await d(['ps', '-s', '--filter', 'name=ps-running', '--format', '{{json .}}'])).stdout,
    );
    expect(sized.Size).toMatch(/^100kB \(virtual /);
  });

  it('shows Exited (137) after a kill', async () => {
    const c = await id(['run', '-d', img, 'sleep', '300']);
    await d(['kill', c]);
    await waitStatus(s.eng, c, 'exited');
    const st = (await d(['ps', '-a', '--filter', `id=${c}`, '--format', '{{.Status}}'])).stdout.trim();
    expect(st).toMatch(/^Exited \(137\) (Less than a second|\d+ seconds?) ago$/);
    await d(['rm', c]);
  });
});

describe('stop, start, restart, kill, pause, wait', () => {
  it('stops a container that ignores SIGTERM after -t, with SIGKILL (137)', async () => {
    const c = await id(['run', '-d', img, 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
    await sleep(300);
    const t0 = Date.now();
    await d(['stop', '-t', '2', c]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1800);
    expect(took).toBeLessThan(8000);
    const st = await inspect(s.eng, c);
    expect(st.State.Status).toBe('exited');
    expect(st.State.ExitCode).toBe(137);
    // A container that honours SIGTERM stops at once (sh as PID 1 needs a trap to exit on TERM).
    const quick = await id([
      'run',
      '-d',
      img,
      'sh',
      '-c',
      'trap "exit 0" TERM; while true; do sleep 0.1; done',
    ]);
    await sleep(300);
    const t1 = Date.now();
    await d(['stop', quick]);
    expect(Date.now() - t1).toBeLessThan(3000);
    expect((await inspect(s.eng, quick)).State.ExitCode).toBe(0);
    // Stopping again is not an error.
    await d(['stop', quick]);
    await d(['rm', c, quick]);
  });

  it('honours the image STOPSIGNAL and --stop-signal', async () => {
    const usr1 = await busyboxWith(s, 'stopsig', { Cmd: ['sh'], StopSignal: 'SIGUSR1' });
    const script =
      'trap "echo got-usr1; exit 10" USR1; trap "echo got-term; exit 11" TERM; echo ready; while true; do sleep 0.1; done';
    const c = await id(['run', '-d', usr1, 'sh', '-c', script]);
    expect((await inspect(s.eng, c)).Config.StopSignal).toBe('SIGUSR1');
    await until(async () => (await d(['logs', c])).stdout.includes('ready'));
    await d(['stop', '-t', '5', c]);
    expect((await inspect(s.eng, c)).State.ExitCode).toBe(10);
    expect((await d(['logs', c])).stdout).toContain('got-usr1');

    const c2 = await id(['run', '-d', '--stop-signal', 'SIGTERM', usr1, 'sh', '-c', script]);
    await until(async () => (await d(['logs', c2])).stdout.includes('ready'));
    await d(['stop', '-t', '5', c2]);
    expect((await inspect(s.eng, c2)).State.ExitCode).toBe(11);
    await d(['rm', c, c2]);
  });

  it('start of a running container is no error; restart gives a new process', async () => {
    const c = await id(['run', '-d', '--name', 'restartme', img, 'sleep', '300']);
    await d(['start', c]);
    const pid1 = (await inspect(s.eng, c)).State.Pid;
    const out = await d(['restart', '-t', '1', 'restartme']);
    expect(out.stdout.trim()).toBe('restartme');
    const after = await inspect(s.eng, c);
    expect(after.State.Running).toBe(true);
    expect(after.State.Pid).not.toBe(pid1);
    expect(after.RestartCount).toBe(0); // a manual restart does not count
    await d(['stop', '-t', '0', c]);
    await d(['start', c]);
    expect((await inspect(s.eng, c)).State.Running).toBe(true);
    await d(['rm', '-f', c]);
  });

  it('kill -s HUP reaches a trap; kill of a stopped container is a 409', async () => {
    const c = await id([
      'run',
      '-d',
      img,
      'sh',
      '-c',
      'trap "echo got-hup" HUP; echo ready; while true; do sleep 0.1; done',
    ]);
    await until(async () => (await d(['logs', c])).stdout.includes('ready'));
    await d(['kill', '-s', 'HUP', c]);
    expect(await until(async () => (await d(['logs', c])).stdout.includes('got-hup'))).toBe(true);
    expect((await inspect(s.eng, c)).State.Running).toBe(true);
    await d(['kill', c]);
    await waitStatus(s.eng, c, 'exited');
    const again = await dockerCode(s.eng, ['kill', c]);
    expect(again.stderr).toMatch(/Container [0-9a-f]{64} is not running/);
    await d(['rm', c]);
  });

  it('pause freezes and unpause resumes', async () => {
    const c = await id([
      'run',
      '-d',
      img,
      'sh',
      '-c',
      'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done',
    ]);
    await sleep(300);
    await d(['pause', c]);
    const st = await inspect(s.eng, c);
    expect(st.State.Status).toBe('paused');
    expect(st.State.Paused).toBe(true);
    // exec is refused while paused
    const ex = await dockerCode(s.eng, ['exec', c, 'true']);
    expect(ex.stderr).toMatch(/is paused, unpause the container before exec/);
    const again = await dockerCode(s.eng, ['pause', c]);
    expect(again.stderr).toMatch(/is already paused/);
    const rm = await dockerCode(s.eng, ['rm', c]);
    expect(rm.stderr).toMatch(/container is paused/);
    await d(['unpause', c]);
    const n1 = Number((await d(['exec', c, 'cat', '/tmp/n'])).stdout);
    await sleep(400);
    const n2 = Number((await d(['exec', c, 'cat', '/tmp/n'])).stdout);
    expect(n2).toBeGreaterThan(n1);
    const notPaused = await dockerCode(s.eng, ['unpause', c]);
    expect(notPaused.stderr).toMatch(/is not paused/);
    await d(['rm', '-f', c]);
  });

  it('a paused container is frozen (its counter does not move)', async () => {
    const c = await id([
      'run',
      '-d',
      '-v',
      'pausevol:/v',
      img,
      'sh',
      '-c',
      'i=0; while true; do i=$((i+1)); echo $i > /v/n; sleep 0.05; done',
    ]);
    await sleep(300);
    await d(['pause', c]);
    await sleep(100);
    const mp = (await inspect(s.eng, c)).Mounts[0].Source as string;
    const { readFileSync } = await import('node:fs');
    const a = readFileSync(`${mp}/n`, 'utf8');
    await sleep(500);
    expect(readFileSync(`${mp}/n`, 'utf8')).toBe(a);
    await d(['unpause', c]);
    await d(['rm', '-f', c]);
  });

  it('wait prints the exit code', async () => {
    const c = await id(['run', '-d', img, 'sh', '-c', 'sleep 0.5; exit 7']);
    expect((await d(['wait', c])).stdout).toBe('7\n');
    // an already exited container answers at once
    expect((await d(['wait', c])).stdout).toBe('7\n');
    await d(['rm', c]);
  });
});

describe('rename, update, rm, prune', () => {
  it('renames, with the conflict error', async () => {
    const a = await id(['create', '--name', 'ren-a', img, 'true']);
    await d(['create', '--name', 'ren-b', img, 'true']);
    await d(['rename', 'ren-a', 'ren-c']);
    expect((await inspect(s.eng, a)).Name).toBe('/ren-c');
    const clash = await dockerCode(s.eng, ['rename', 'ren-c', 'ren-b']);
    expect(clash.stderr).toMatch(/Conflict\. The container name "\/ren-b" is already in use by container/);
    const missing = await dockerCode(s.eng, ['rename', 'nope-nope', 'x']);
    expect(missing.stderr).toMatch(/No such container: nope-nope/);
    await d(['rm', 'ren-c', 'ren-b']);
  });

  it('update --restart changes the policy of a running container', async () => {
    const c = await id(['run', '-d', img, 'sh', '-c', 'sleep 0.5; exit 1']);
    await d(['update', '--restart', 'on-failure:1', c]);
    expect((await inspect(s.eng, c)).HostConfig.RestartPolicy).toEqual({
      Name: 'on-failure',
      MaximumRetryCount: 1,
    });
    const done = await until(async () => {
      const x = await inspect(s.eng, c);
      return x.RestartCount === 1 && x.State.Status === 'exited';
    }, 15_000);
    expect(done).toBe(true);
    await d(['rm', c]);
  });

  it('rm refuses a running container without -f (dockerd text), -f kills it, -v drops anonymous volumes', async () => {
    const c = await id([
      'run',
      '-d',
      '--name',
      'rm-me',
      '-v',
      '/anon',
      '-v',
      'rm-named:/named',
      img,
      'sleep',
      '300',
    ]);
    const res = await dockerCode(s.eng, ['rm', 'rm-me']);
    expect(res.stderr).toContain(
      'cannot remove container "/rm-me": container is running: stop the container before removing or force remove',
    );
    const anon = (await inspect(s.eng, c)).Mounts.find(
      (m: { Destination: string }) => m.Destination === '/anon',
    ).Name;
    expect((await d(['rm', '-f', '-v', 'rm-me'])).stdout.trim()).toBe('rm-me');
    const vols = (await d(['volume', 'ls', '-q'])).stdout.split('\n');
    expect(vols).not.toContain(anon);
    expect(vols).toContain('rm-named'); // named volumes stay
    const gone = await dockerCode(s.eng, ['rm', 'rm-me']);
    expect(gone.stderr).toMatch(/No such container: rm-me/);
    await d(['volume', 'rm', 'rm-named']);
  });

  it('container prune removes stopped containers, honouring --filter label=', async () => {
    const keep = await id(['create', '--label', 'prune=keep', img, 'true']);
    const drop = await id(['create', '--label', 'prune=drop', img, 'true']);
    const live = await id(['run', '-d', '--label', 'prune=drop', img, 'sleep', '300']);
    const out = await d(['container', 'prune', '-f', '--filter', 'label=prune=drop']);
    expect(out.stdout).toContain(drop);
    expect(out.stdout).not.toContain(keep);
    expect(out.stdout).toMatch(/Total reclaimed space: /);
    const left = await psq(['-a', '--filter', 'label=prune']);
    expect(left.sort()).toEqual([keep, live].sort());
    await d(['rm', '-f', keep, live]);
  });
});

describe('docker inspect', () => {
  it('shows State, Config merged with image defaults, HostConfig, Mounts, Path/Args', async () => {
    const ref = await busyboxWith(s, 'inspectme', {
      Env: ['FROM_IMAGE=1', 'PATH=/usr/bin:/bin'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo default'],
      WorkingDir: '/srv',
      Labels: { 'img.label': 'yes' },
      Volumes: { '/data': {} },
      ExposedPorts: { '80/tcp': {} },
    });
    const c = await id([
      'run',
      '-d',
      '--name',
      'insp',
      '-e',
      'FROM_CLI=2',
      '--label',
      'cli.label=yes',
      '--restart',
      'on-failure:3',
      '--memory',
      '32m',
      img === ref ? img : ref,
      'sleep 300',
    ]);
    const x = await inspect(s.eng, c);
    expect(x.Id).toBe(c);
    expect(x.Name).toBe('/insp');
    expect(x.Path).toBe('/bin/sh');
    expect(x.Args).toEqual(['-c', 'sleep 300']);
    expect(x.Created).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(x.Image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(x.State).toMatchObject({
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      ExitCode: 0,
      Error: '',
    });
    expect(x.State.Pid).toBeGreaterThan(0);
    expect(x.State.FinishedAt).toBe('0001-01-01T00:00:00Z');
    expect(x.Config.Env).toEqual(
      expect.arrayContaining(['FROM_IMAGE=1', 'FROM_CLI=2', 'PATH=/usr/bin:/bin']),
    );
    expect(x.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(x.Config.Cmd).toEqual(['sleep 300']);
    expect(x.Config.WorkingDir).toBe('/srv');
    expect(x.Config.Labels).toEqual({ 'img.label': 'yes', 'cli.label': 'yes' });
    expect(x.Config.Image).toBe(ref);
    expect(x.Config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(x.Config.Hostname).toBe(c.slice(0, 12));
    expect(x.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(x.HostConfig.Memory).toBe(32 * 1024 * 1024);
    expect(x.HostConfig.NetworkMode).toMatch(/^(default|bridge)$/);
    expect(x.Mounts).toHaveLength(1);
    expect(x.Mounts[0]).toMatchObject({ Type: 'volume', Destination: '/data', Driver: 'local', RW: true });
    expect(x.RestartCount).toBe(0);
    expect(x.Driver).toBe('overlayfs'); // as `docker info` reports
    expect(x.LogPath).toBeTruthy();
    // The image's working dir is created and used.
    expect((await d(['exec', c, 'pwd'])).stdout).toBe('/srv\n');
    await d(['stop', '-t', '0', c]);
    const y = await inspect(s.eng, c);
    expect(y.State.Status).toBe('exited');
    expect(y.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    expect(y.State.Pid).toBe(0);
    await d(['rm', '-v', c]);
    const missing = await dockerCode(s.eng, ['container', 'inspect', 'nope-nope']);
    expect(missing.stderr).toMatch(/No such container: nope-nope/);
  });
});
