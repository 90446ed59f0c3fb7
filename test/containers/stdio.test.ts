/**
 * Container I/O with the real docker CLI: logs (follow, tail, timestamps, since/until, separated
 * streams, TTY), attach (detach keys), exec (stdin, user, env, workdir, exit codes, 409s), and the
 * interactive commands driven through a real PTY (`run -it`, `exec -it`, Ctrl-C, window size).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_BIN } from '../support/engine.js';
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

describe('docker logs', () => {
  it('separates stdout and stderr, and honours --tail and -t', async () => {
    const c = await id([
      'run',
      '-d',
      img,
      'sh',
      '-c',
      'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done',
    ]);
    await d(['wait', c]);
    const all = await d(['logs', c]);
    expect(all.stdout).toBe('out1\nout2\nout3\nout4\nout5\n');
    expect(all.stderr).toBe('err1\nerr2\nerr3\nerr4\nerr5\n');
    const tail = await d(['logs', '--tail', '2', c]);
    // --tail counts lines over both streams together (their interleaving on disk is not fixed).
    expect((tail.stdout + tail.stderr).split('\n').filter(Boolean)).toHaveLength(2);
    expect((await d(['logs', '--tail', '0', c])).stdout).toBe('');
    const ts = await d(['logs', '-t', c]);
    for (const line of ts.stdout.split('\n').filter(Boolean))
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\d$/);
    await d(['rm', c]);
  });

  it('filters with --since and --until', async () => {
    const c = await id(['run', '-d', img, 'sh', '-c', 'echo early; sleep 2; echo late']);
    await d(['wait', c]);
    const lines = (await d(['logs', '-t', c])).stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const lateTs = lines[1]!.split(' ')[0]!;
    const cut = new Date(Date.parse(lateTs) - 1000).toISOString();
    expect((await d(['logs', '--since', cut, c])).stdout).toBe('late\n');
    expect((await d(['logs', '--until', cut, c])).stdout).toBe('early\n');
    // Relative --since: all of it is younger than an hour.
    expect((await d(['logs', '--since', '1h', c])).stdout).toBe('early\nlate\n');
    await d(['rm', c]);
  });

  it('-f follows until the container exits', async () => {
    const c = await id(['run', '-d', img, 'sh', '-c', 'echo one; sleep 1; echo two; sleep 1; echo three']);
    const t0 = Date.now();
    const res = await d(['logs', '-f', c], { timeoutMs: 15_000 });
    expect(res.stdout).toBe('one\ntwo\nthree\n');
    expect(Date.now() - t0).toBeGreaterThan(1000);
    await d(['rm', c]);
  });

  it('logs of a TTY container are raw (CRLF, one stream)', async () => {
    const c = await id(['run', '-d', '-t', img, 'sh', '-c', 'echo tty-out; echo tty-err >&2']);
    await d(['wait', c]);
    const res = await d(['logs', c]);
    expect(res.stdout).toBe('tty-out\r\ntty-err\r\n');
    expect(res.stderr).toBe('');
    await d(['rm', c]);
  });

  it('logs of a missing container is a 404', async () => {
    const res = await dockerCode(s.eng, ['logs', 'nope-nope']);
    expect(res.stderr).toMatch(/No such container: nope-nope/);
  });
});

describe('docker attach', () => {
  it('streams output of a running container and detaches with Ctrl-p Ctrl-q', async () => {
    const c = await id(['run', '-dit', img, 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
    const r = await dockerPty(s.eng, ['attach', c], [{ expect: 'tick\r\ntick' }, { send: '\x10\x11' }], {
      timeoutMs: 15_000,
    });
    expect(r.output).toContain('tick');
    expect(r.output).toMatch(/read escape sequence/);
    expect(r.code).toBe(1); // the docker CLI exits 1 on a detach, as with dockerd
    expect((await inspect(s.eng, c)).State.Running).toBe(true);
    await d(['rm', '-f', c]);
  });

  it('attach without a TTY forwards output until the container exits, with its exit code', async () => {
    const c = await id([
      'run',
      '-d',
      img,
      'sh',
      '-c',
      'sleep 1; echo attached-out; echo attached-err >&2; exit 4',
    ]);
    const res = await dockerCode(s.eng, ['attach', c], 4, { timeoutMs: 15_000 });
    expect(res.stdout).toBe('attached-out\n');
    expect(res.stderr).toBe('attached-err\n');
    await d(['rm', c]);
  });
});

describe('docker exec', () => {
  let c: string;
  beforeAll(async () => {
    c = await id(['run', '-d', '--name', 'exec-target', img, 'sleep', '300']);
  });

  it('runs with -i (piped stdin), -u, -e and -w; propagates the exit code', async () => {
    expect((await d(['exec', '-i', c, 'cat'], { input: 'piped\ninput\n' })).stdout).toBe('piped\ninput\n');
    expect((await d(['exec', '-i', c, 'wc', '-l'], { input: 'a\nb\nc\n' })).stdout.trim()).toBe('3');
    expect((await d(['exec', '-u', 'nobody', c, 'id', '-u'])).stdout).toBe('65534\n');
    expect((await d(['exec', '-u', '123:456', c, 'id'])).stdout).toMatch(/^uid=123 gid=456/);
    expect((await d(['exec', '-e', 'XYZ=abc', c, 'sh', '-c', 'echo $XYZ'])).stdout).toBe('abc\n');
    expect((await d(['exec', '-w', '/tmp', c, 'pwd'])).stdout).toBe('/tmp\n');
    await dockerCode(s.eng, ['exec', c, 'sh', '-c', 'exit 9'], 9);
    const missing = await dockerCode(s.eng, ['exec', c, 'nosuchcmd'], 127);
    expect(missing.stderr + missing.stdout).toMatch(/executable file not found in \$PATH/);
    const err = await d(['exec', c, 'sh', '-c', 'echo to-out; echo to-err >&2']);
    expect(err.stdout).toBe('to-out\n');
    expect(err.stderr).toBe('to-err\n');
    // -d returns at once; the process runs.
    await d(['exec', '-d', c, 'sh', '-c', 'echo bg > /tmp/bg']);
    expect(
      await until(async () => (await s.eng.docker(['exec', c, 'cat', '/tmp/bg'])).stdout === 'bg\n'),
    ).toBe(true);
  });

  it('exec into a stopped container is a 409', async () => {
    const stopped = await id(['create', img, 'true']);
    const res = await dockerCode(s.eng, ['exec', stopped, 'true']);
    expect(res.stderr).toMatch(new RegExp(`container ${stopped} is not running`, 'i'));
    const raw = await s.eng.request('POST', `/containers/${stopped}/exec`, { Cmd: ['true'] });
    expect(raw.status).toBe(409);
    await d(['rm', stopped]);
  });

  it('exec -it through a real PTY: output, exit code, window size and Ctrl-C', async () => {
    const r = await dockerPty(
      s.eng,
      ['exec', '-it', c, 'sh'],
      [
        { expect: /# /, send: 'busybox stty size; echo "v=$((40+2))"\r' },
        { expect: 'v=42', send: 'sleep 30\r' },
        { expect: 'sleep 30', delayMs: 300, send: '\x03' },
        { expect: /# /, send: 'echo hi; exit 3\r' },
      ],
      { rows: 30, cols: 100 },
    );
    expect(r.output).toContain('30 100');
    expect(r.output).toMatch(/\r\nhi\r\n/);
    expect(r.code).toBe(3);
  });

  afterAll(async () => {
    await d(['rm', '-f', c]);
  });
});

describe('docker run -it / -i', () => {
  it('runs an interactive shell in a real PTY with the window size and exit code', async () => {
    const r = await dockerPty(
      s.eng,
      ['run', '-it', '--rm', img, 'sh'],
      [
        { expect: /# /, send: 'busybox stty size; tty\r' },
        { expect: '/dev/pts/0', send: 'sleep 30\r' },
        { expect: 'sleep 30', delayMs: 300, send: '\x03' },
        { expect: /# /, send: 'echo hi; exit 3\r' },
      ],
      { rows: 33, cols: 111 },
    );
    expect(r.output).toContain('33 111');
    expect(r.output).toMatch(/\r\nhi\r\n/);
    expect(r.code).toBe(3);
  });

  it('docker run -i cat with piped stdin ends at the half-close', async () => {
    const res = await d(['run', '--rm', '-i', img, 'cat'], { input: 'line1\nline2\n', timeoutMs: 15_000 });
    expect(res.stdout).toBe('line1\nline2\n');
    const big = 'x'.repeat(300_000) + '\n';
    const res2 = await d(['run', '--rm', '-i', img, 'wc', '-c'], { input: big, timeoutMs: 15_000 });
    expect(res2.stdout.trim()).toBe(String(big.length));
  });

  it('Ctrl-C to docker run -it reaches the process (exit 130)', async () => {
    // With --init, sleep is not PID 1 (which would ignore SIGINT, as with dockerd).
    const r = await dockerPty(
      s.eng,
      ['run', '-it', '--rm', '--init', img, 'sh', '-c', 'echo started; sleep 30'],
      [
        { expect: 'started', delayMs: 0 },
        { delayMs: 300, send: '\x03' },
      ],
      { timeoutMs: 15_000 },
    );
    expect(r.code).toBe(130);
  });

  it('docker run (no -t) proxies SIGINT to the container', async () => {
    const child = spawn(
      DOCKER_BIN,
      [
        '-H',
        s.eng.host,
        'run',
        '--rm',
        '--name',
        'sigproxy',
        img,
        'sh',
        '-c',
        'trap "echo got-int; exit 5" INT; echo ready; while true; do sleep 0.1; done',
      ],
      {
        env: { ...process.env, DOCKER_CONFIG: s.eng.dockerConfigDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = new Promise<number | null>((r) => child.on('close', r));
    expect(await until(async () => out.includes('ready'), 10_000, 50)).toBe(true);
    child.kill('SIGINT');
    expect(await code).toBe(5);
    expect(out).toContain('got-int');
  });

  it('a stopped -it container can be restarted and its logs read', async () => {
    const c = await id(['run', '-dit', img, 'sh']);
    await waitStatus(s.eng, c, 'running');
    await d(['stop', '-t', '1', c]);
    await d(['start', c]);
    expect((await inspect(s.eng, c)).State.Running).toBe(true);
    await d(['rm', '-f', c]);
    await sleep(10);
  });
});
