/**
 * Shared bits of the container conformance suites: one registry + engine per file with the busybox
 * fixture pulled, docker helpers, polling, and a real-PTY driver (python3's `pty`) for `-it`.
 */
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import { startEngine, DOCKER_BIN, type DockerResult, type TestEngine } from '../support/engine.js';
import {
  pushFixtureImages,
  pushImage,
  busyboxLayer,
  type Fixtures,
  type ImageConfig,
} from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

export interface Setup {
  reg: TestRegistry;
  fx: Fixtures;
  eng: TestEngine;
  /** The busybox fixture's reference (already pulled). */
  img: string;
  stop(): Promise<void>;
}

export async function setup(): Promise<Setup> {
  const reg = await startRegistry();
  const fx = await pushFixtureImages(reg);
  const eng = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  const img = fx.busybox.ref;
  await dockerOk(eng, ['pull', '-q', img]);
  return {
    reg,
    fx,
    eng,
    img,
    async stop() {
      await eng.stop();
      await reg.stop();
    },
  };
}

/** Pushes (and pulls) a busybox-based image with the given image config. */
export async function busyboxWith(s: Setup, repo: string, config: ImageConfig['config']): Promise<string> {
  const im = await pushImage(s.reg, repo, 'latest', [await busyboxLayer()], {
    config: { created: '2024-05-01T00:00:00Z', config },
  });
  await dockerOk(s.eng, ['pull', '-q', im.ref]);
  return im.ref;
}

/** Runs a docker command and fails the test (showing stderr) unless it exits 0. */
export async function dockerOk(
  eng: TestEngine,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<DockerResult> {
  const res = await eng.docker(args, opts);
  expect(res.code, `docker ${args.join(' ')}\n${res.stderr}\n${res.stdout}`).toBe(0);
  return res;
}

/** Runs a docker command that must exit with `code` (any non-zero when omitted). */
export async function dockerCode(
  eng: TestEngine,
  args: string[],
  code?: number,
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<DockerResult> {
  const res = await eng.docker(args, opts);
  const msg = `docker ${args.join(' ')}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`;
  if (code === undefined) expect(res.code, msg).not.toBe(0);
  else expect(res.code, msg).toBe(code);
  return res;
}

/** `docker inspect` of one container, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function inspect(eng: TestEngine, id: string): Promise<any> {
  const res = await dockerOk(eng, ['container', 'inspect', id]);
  return JSON.parse(res.stdout)[0];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function until<T>(fn: () => Promise<T>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await sleep(everyMs);
  }
}

/** Waits until the container's State.Status is `status`; returns the inspect document. */
export async function waitStatus(
  eng: TestEngine,
  id: string,
  status: string,
  timeoutMs = 15_000,
): ReturnType<typeof inspect> {
  let last: Awaited<ReturnType<typeof inspect>>;
  await until(async () => {
    last = await inspect(eng, id);
    return last.State.Status === status;
  }, timeoutMs);
  expect(last.State.Status, JSON.stringify(last.State)).toBe(status);
  return last;
}

export interface PtyStep {
  /** Wait until the output since the previous match matches this before sending. */
  expect?: RegExp | string;
  /** Bytes to type. */
  send?: string;
  /** Pause after the expected output appeared, before sending, in ms. */
  delayMs?: number;
}

export interface PtyResult {
  code: number;
  output: string;
}

/**
 * Runs `docker …args` on the slave side of a real PTY of `rows`×`cols` (python3's pty module), typing
 * each step's text once its expected output has appeared. Returns docker's exit code and everything
 * it wrote to the terminal.
 */
export function dockerPty(
  eng: TestEngine,
  args: string[],
  steps: PtyStep[],
  opts: { rows?: number; cols?: number; timeoutMs?: number } = {},
): Promise<PtyResult> {
  const driver = String.raw`
import json, os, pty, re, select, struct, sys, termios, fcntl, time
cfg = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(cfg['argv'][0], cfg['argv'], dict(os.environ))
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', cfg['rows'], cfg['cols'], 0, 0))
out = b''
def pump(t):
    global out
    r, _, _ = select.select([fd], [], [], t)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            return False
        if not d:
            return False
        out += d
    return True
deadline = time.time() + cfg['timeout']
alive = True
pos = 0
for st in cfg['steps']:
    if st.get('expect'):
        pat = re.compile(st['expect'].encode())
        while alive and not pat.search(out, pos) and time.time() < deadline:
            alive = pump(0.1)
        m = pat.search(out, pos)
        if m:
            pos = m.end()
        else:
            sys.stdout.write(json.dumps({'code': -2, 'output': out.decode('utf8', 'replace'), 'missing': st['expect']}))
            os.kill(pid, 9)
            sys.exit(0)
    if st.get('delay'):
        end = time.time() + st['delay'] / 1000
        while alive and time.time() < end:
            alive = pump(0.05)
    if st.get('send') is not None:
        os.write(fd, st['send'].encode())
p = 0
while time.time() < deadline:
    if alive:
        alive = pump(0.1)
    else:
        time.sleep(0.05)
    p, status = os.waitpid(pid, os.WNOHANG)
    if p:
        while alive and pump(0.05):
            pass
        break
if p:
    code = os.waitstatus_to_exitcode(status)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    code = -1
sys.stdout.write(json.dumps({'code': code, 'output': out.decode('utf8', 'replace')}))
`;
  const cfg = {
    argv: [DOCKER_BIN, '-H', eng.host, ...args],
    rows: opts.rows ?? 24,
    cols: opts.cols ?? 80,
    timeout: (opts.timeoutMs ?? 20_000) / 1000,
    steps: steps.map((s) => ({
      expect: s.expect instanceof RegExp ? s.expect.source : s.expect?.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      send: s.send,
      delay: s.delayMs,
    })),
  };
  return new Promise((resolve, reject) => {
    const c = spawn('python3', ['-c', driver, JSON.stringify(cfg)], {
      env: { ...process.env, DOCKER_CONFIG: eng.dockerConfigDir, DOCKER_CLI_HINTS: 'false', TERM: 'xterm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('close', () => {
      try {
        const r = JSON.parse(out) as PtyResult & { missing?: string };
        if (r.missing) reject(new Error(`pty: never saw ${r.missing}\n--- output ---\n${r.output}`));
        else resolve(r);
      } catch {
        reject(new Error(`pty driver failed: ${err}\n${out}`));
      }
    });
  });
}
