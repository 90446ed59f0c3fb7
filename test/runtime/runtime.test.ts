/**
 * OciRuntime against the real runtime (crun, or runc where crun cannot run) and conmon, as root.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fsp, readdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogs, rotateLog } from '../../engine/runtime/logs.js';
import { OciRuntime, OciRuntimeError, type AttachStream } from '../../engine/runtime/oci-runtime.js';
import { makeBundle } from './fixture.js';

const isRoot = process.getuid?.() === 0;
const d = isRoot ? describe : describe.skip;
if (!isRoot) console.warn('SKIPPED: test/runtime needs root (crun/runc + conmon)');

let root: string;
let rt: OciRuntime;
let detected: Awaited<ReturnType<typeof OciRuntime.detect>>;
const created: string[] = [];

function newId(): string {
  return `t${randomBytes(8).toString('hex')}`;
}

async function setup(
  proc: Record<string, unknown>,
  opts: { terminal?: boolean; openStdin?: boolean; stdinOnce?: boolean; log?: boolean } = {},
): Promise<{ id: string; bundle: string; log: string; pid: number }> {
  const id = newId();
  const bundle = join(root, 'b', id);
  await makeBundle(bundle, { terminal: !!opts.terminal, ...proc }, id);
  const log = join(root, 'logs', `${id}.log`);
  await fsp.mkdir(join(root, 'logs'), { recursive: true });
  created.push(id);
  const { pid } = await rt.create(id, bundle, {
    terminal: !!opts.terminal,
    openStdin: !!opts.openStdin,
    stdinOnce: !!opts.stdinOnce,
    logPath: opts.log === false ? undefined : log,
  });
  return { id, bundle, log, pid };
}

async function logText(path: string, stream?: 'stdout' | 'stderr'): Promise<string> {
  let out = '';
  for await (const e of readLogs(path, { stdout: stream !== 'stderr', stderr: stream !== 'stdout' }))
    out += e.line;
  return out;
}

function collect(s: AttachStream): { stdout: () => string; stderr: () => string } {
  let o = '';
  let e = '';
  s.on('data', (stream, chunk) => {
    if (stream === 'stdout') o += chunk.toString();
    else e += chunk.toString();
  });
  return { stdout: () => o, stderr: () => e };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

d('OciRuntime (real runtime + conmon)', () => {
  beforeAll(async () => {
    detected = await OciRuntime.detect();
    root = await fsp.mkdtemp(join(tmpdir(), 'brt-'));
    rt = new OciRuntime({ ...detected, stateRoot: join(root, 's'), cgroupManager: 'cgroupfs' });
  });

  afterAll(async () => {
    for (const id of created) await rt.delete(id, { force: true }).catch(() => undefined);
    // Anything conmon left (it should be nothing): unmount and remove.
    for (const ctl of [
      'freezer',
      'memory',
      'pids',
      'cpu',
      'cpuacct',
      'cpuset',
      'devices',
      'blkio',
      'systemd',
      'unified',
    ]) {
      const dir = `/sys/fs/cgroup/${ctl}/berth-test`;
      try {
        for (const sub of readdirSync(dir)) if (/^t[0-9a-f]{16}$/.test(sub)) rmdirSync(join(dir, sub));
        rmdirSync(dir);
      } catch {
        // not there
      }
    }
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  it('detects a runtime and conmon', () => {
    expect(detected.runtimePath).toMatch(/(crun|runc)$/);
    expect(detected.conmonPath).toMatch(/conmon$/);
  });

  it('runs echo hello and logs it, exit code 0', async () => {
    const { id, log, pid } = await setup({ args: ['sh', '-c', 'echo hello; echo oops >&2'] });
    expect(pid).toBeGreaterThan(0);
    expect((await rt.state(id))?.status).toBe('created');
    await rt.start(id);
    const exit = await rt.waitExit(id);
    expect(exit.exitCode).toBe(0);
    expect(exit.oomKilled).toBe(false);
    expect(await logText(log, 'stdout')).toBe('hello\n');
    expect(await logText(log, 'stderr')).toBe('oops\n');
    expect((await rt.state(id))?.status).toBe('stopped');
    expect(await rt.isSupervised(id)).toBe(false);
  });

  it('reports exit code 3', async () => {
    const { id } = await setup({ args: ['sh', '-c', 'exit 3'] });
    await rt.start(id);
    expect((await rt.waitExit(id)).exitCode).toBe(3);
  });

  it('SIGKILL gives 137, SIGTERM to a trapping shell gives its code', async () => {
    const a = await setup({ args: ['sleep', '1000'] });
    await rt.start(a.id);
    expect((await rt.state(a.id))?.status).toBe('running');
    await rt.kill(a.id, 'SIGKILL');
    expect((await rt.waitExit(a.id)).exitCode).toBe(137);

    const b = await setup({ args: ['sh', '-c', 'trap "exit 42" TERM; while true; do sleep 0.1; done'] });
    await rt.start(b.id);
    await new Promise((r) => setTimeout(r, 200));
    await rt.kill(b.id, 'TERM');
    expect((await rt.waitExit(b.id)).exitCode).toBe(42);
  });

  it('pauses and resumes (freezer)', async () => {
    const { id, log } = await setup({
      args: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'],
    });
    await rt.start(id);
    await until(async () => (await logText(log)).length > 0);
    await rt.pause(id);
    expect((await rt.state(id))?.status).toBe('paused');
    const before = await logText(log);
    await new Promise((r) => setTimeout(r, 400));
    expect(await logText(log)).toBe(before);
    await rt.resume(id);
    expect((await rt.state(id))?.status).toBe('running');
    await until(async () => (await logText(log)) !== before);
    await rt.kill(id, 'KILL');
    await rt.waitExit(id);
  });

  it('attaches without a TTY: stdin to cat, stdout and stderr apart', async () => {
    const { id } = await setup(
      { args: ['sh', '-c', 'echo to-err >&2; cat; echo done'] },
      { openStdin: true, stdinOnce: true },
    );
    const s = await rt.attach(id, { stdin: true });
    const out = collect(s);
    await rt.start(id);
    await s.write('ping\n');
    await until(() => out.stdout().includes('ping\n'));
    s.closeStdin();
    const exit = await rt.waitExit(id);
    await s.ended;
    expect(exit.exitCode).toBe(0);
    expect(out.stdout()).toBe('ping\ndone\n');
    expect(out.stderr()).toBe('to-err\n');
  });

  it('attaches with a TTY and resizes it', async () => {
    const { id } = await setup(
      {
        args: ['sh', '-c', 'stty size; read line; stty size; echo "got $line"'],
        consoleSize: { height: 24, width: 80 },
      },
      { terminal: true, openStdin: true, stdinOnce: true },
    );
    const s = await rt.attach(id, { stdin: true });
    const out = collect(s);
    await rt.start(id);
    await until(() => /\d+ \d+/.test(out.stdout()));
    await rt.resize(id, 33, 101);
    await new Promise((r) => setTimeout(r, 100));
    await s.write('hi\r');
    const exit = await rt.waitExit(id);
    await s.ended;
    expect(exit.exitCode).toBe(0);
    expect(out.stdout()).toContain('33 101\r\n');
    expect(out.stdout()).toContain('got hi\r\n');
    expect(out.stderr()).toBe('');
  });

  it('execs without a TTY (separate streams, exit code) and with a TTY', async () => {
    const { id } = await setup({ args: ['sleep', '1000'] });
    await rt.start(id);
    const ex = await rt.exec(
      id,
      { args: ['sh', '-c', 'echo out; echo err >&2; exit 5'], cwd: '/', env: ['PATH=/bin'] },
      { terminal: false, stdin: false },
    );
    expect(ex.pid).toBeGreaterThan(0);
    const out = collect(ex.stream!);
    expect(await ex.wait()).toBe(5);
    expect(out.stdout()).toBe('out\n');
    expect(out.stderr()).toBe('err\n');

    const tty = await rt.exec(
      id,
      {
        args: ['sh', '-c', 'read x; stty size; echo "x=$x"'],
        cwd: '/',
        env: ['PATH=/bin'],
        consoleSize: { height: 10, width: 20 },
      },
      { terminal: true, stdin: true },
    );
    const tout = collect(tty.stream!);
    await tty.resize(40, 120);
    await new Promise((r) => setTimeout(r, 100));
    await tty.stream!.write('abc\r');
    expect(await tty.wait()).toBe(0);
    expect(tout.stdout()).toContain('40 120');
    expect(tout.stdout()).toContain('x=abc');

    const cat = await rt.exec(
      id,
      { args: ['cat'], cwd: '/', env: ['PATH=/bin'] },
      { terminal: false, stdin: true },
    );
    const cout = collect(cat.stream!);
    await cat.stream!.write('via stdin\n');
    cat.stream!.closeStdin();
    expect(await cat.wait()).toBe(0);
    expect(cout.stdout()).toBe('via stdin\n');

    await expect(
      rt.exec(
        id,
        { args: ['nope-missing'], cwd: '/', env: ['PATH=/bin'] },
        { terminal: false, stdin: false },
      ),
    ).rejects.toThrow(/executable file not found|No such file/);
    await rt.kill(id, 'KILL');
    await rt.waitExit(id);
  });

  it('adopts a container after an engine restart; waitExit works; it outlives the runtime object', async () => {
    const { id, log } = await setup({ args: ['sh', '-c', 'echo up; sleep 1000'] });
    await rt.start(id);
    // A second runtime object on the same state root stands for a restarted engine.
    const rt2 = new OciRuntime({ ...detected, stateRoot: join(root, 's'), cgroupManager: 'cgroupfs' });
    expect(await rt2.isSupervised(id)).toBe(true);
    expect((await rt2.state(id))?.status).toBe('running');
    const waiting = rt2.waitExit(id);
    await until(async () => (await logText(log)) === 'up\n');
    const ex = await rt2.exec(
      id,
      { args: ['echo', 'adopted'], cwd: '/', env: ['PATH=/bin'] },
      { terminal: false, stdin: false },
    );
    const out = collect(ex.stream!);
    expect(await ex.wait()).toBe(0);
    expect(out.stdout()).toBe('adopted\n');
    await rt2.kill(id, 'KILL');
    expect((await waiting).exitCode).toBe(137);
    // And a third one, after the exit: returns at once.
    const rt3 = new OciRuntime({ ...detected, stateRoot: join(root, 's'), cgroupManager: 'cgroupfs' });
    expect((await rt3.waitExit(id)).exitCode).toBe(137);
  });

  it('keeps a container running when the engine process is SIGKILLed', async () => {
    const id = newId();
    const bundle = join(root, 'b', id);
    await makeBundle(bundle, { args: ['sh', '-c', 'echo before; sleep 1000'] }, id);
    const log = join(root, 'logs', `${id}.log`);
    created.push(id);
    const engine = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'engine-proc.ts'), join(root, 's'), bundle, id, log],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const ready = await new Promise<string>((resolve, reject) => {
      let out = '';
      engine.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out);
      });
      engine.on('exit', (code) => reject(new Error(`engine process exited ${code}`)));
    });
    expect(ready).toMatch(/^ready \d+/);
    engine.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    expect(await rt.isSupervised(id)).toBe(true);
    expect((await rt.state(id))?.status).toBe('running');
    await until(async () => (await logText(log)) === 'before\n');
    const s = await rt.attach(id, { stdin: false });
    s.close();
    await rt.kill(id, 'KILL');
    expect((await rt.waitExit(id)).exitCode).toBe(137);
    await rt.delete(id);
    expect(await rt.state(id)).toBeUndefined();
  });

  it('rotates the log while conmon writes (rename + reopen) and follow reads across it', async () => {
    const { id, log } = await setup({
      args: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo n$i; sleep 0.03; done'],
    });
    await rt.start(id);
    const exited = rt.waitExit(id);
    const seen: string[] = [];
    const reader = (async () => {
      for await (const e of readLogs(log, { follow: true, exited })) seen.push(e.line.trim());
    })();
    let rotations = 0;
    while (!(await rt.state(id).then((s) => s?.status === 'stopped'))) {
      if (await rotateLog(log, { maxSize: 200, maxFiles: 10 }, () => rt.reopenLog(id)).catch(() => false))
        rotations++;
      await new Promise((r) => setTimeout(r, 50));
    }
    await exited;
    await reader;
    expect(rotations).toBeGreaterThan(0);
    const expected = Array.from({ length: 30 }, (_, i) => `n${i + 1}`);
    expect(seen).toEqual(expected);
    // A fresh read of all the files gives the same, oldest first.
    expect((await logText(log)).trim().split('\n')).toEqual(expected);
  });

  it('delete removes the container and its conmon files', async () => {
    const { id, bundle } = await setup({ args: ['sleep', '1000'] });
    await rt.start(id);
    await expect(rt.delete(id)).rejects.toThrow(/running/);
    await rt.delete(id, { force: true });
    expect(await rt.state(id)).toBeUndefined();
    expect(await rt.isSupervised(id)).toBe(false);
    const left = await fsp.readdir(bundle);
    expect(left.sort()).toEqual(['config.json', 'rootfs']);
    await expect(fsp.access(join(root, 's', 'ctr', id))).rejects.toThrow();
    await expect(fsp.access(join(root, 's', 'exits', id))).rejects.toThrow();
  });

  it('surfaces a missing executable like docker (127)', async () => {
    const err = await setup({ args: ['/no/such/binary'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OciRuntimeError);
    expect((err as OciRuntimeError).message).toMatch(
      /^OCI runtime create failed: .*(no such file or directory|not found).*: unknown$/,
    );
    expect((err as OciRuntimeError).exitCode).toBe(127);
    const err2 = await setup({ args: ['nope-cmd'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err2 as Error).message).toMatch(/executable file not found in \$PATH/);
    expect((err2 as OciRuntimeError).exitCode).toBe(127);
  });

  it('follows a log until the container exits', async () => {
    const { id, log } = await setup({
      args: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.2; done; printf tail'],
    });
    await rt.start(id);
    const lines: string[] = [];
    for await (const e of readLogs(log, { follow: true, exited: rt.waitExit(id), timestamps: true }))
      lines.push(e.line);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['line1\n', 'line2\n', 'line3\n', 'tail']);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1\n$/);
  });
});
