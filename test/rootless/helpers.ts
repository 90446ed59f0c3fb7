/**
 * Rootless test harness. The tests run as root (as CI does) and start `berth engine` as an ordinary
 * user — `berthtest`, created here with subordinate ID ranges if absent — via `setpriv`, so the engine
 * takes its real rootless path: it enters a user namespace with newuidmap/newgidmap and serves the
 * Docker API on a socket the (root) docker CLI can reach. Missing prerequisites fail loudly.
 *
 * Host setup done here, as a desktop distribution's udev would have it: /dev/net/tun (pasta) and
 * /dev/fuse (fuse-overlayfs) usable by ordinary users (mode 0666).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BERTH_LAUNCHER, DOCKER_BIN, REPO_ROOT, engineBuilt, type TestEngine } from '../support/engine.js';
import { httpRequest } from '../support/http.js';
import { spawnTracked, stopProcess, waitExit } from '../support/processes.js';

export const ROOTLESS_USER = 'berthtest';

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** First subordinate uid/gid: namespace ID n ≥ 1 is host ID subStart + n - 1. */
  subUidStart: number;
  subGidStart: number;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function which(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function firstRange(file: string, name: string, uid: number): number | undefined {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`) || l.startsWith(`${uid}:`));
  return line ? Number(line.split(':')[1]) : undefined;
}

/**
 * Checks the prerequisites (root, uidmap, fuse-overlayfs, crun, conmon, pasta) and makes sure the test
 * user exists with subordinate ranges. Throws with the fix when something is missing.
 */
export function ensureRootlessUser(): RootlessUser {
  if (process.getuid?.() !== 0)
    throw new Error('the rootless tests run as root (they start the engine as an ordinary user)');
  const missing = [
    ['newuidmap', 'uidmap'],
    ['newgidmap', 'uidmap'],
    ['fuse-overlayfs', 'fuse-overlayfs'],
    ['setpriv', 'util-linux'],
    ['setfacl', 'acl'],
    ['useradd', 'passwd'],
    ['crun', 'crun'],
    ['conmon', 'conmon'],
    ['pasta', 'passt'],
  ].filter(([bin]) => !which(bin!));
  if (missing.length)
    throw new Error(
      `rootless tests need ${missing.map((m) => m[0]).join(', ')}: apt-get install ${[
        ...new Set(missing.map((m) => m[1])),
      ].join(' ')}`,
    );
  for (const bin of ['newuidmap', 'newgidmap']) {
    if ((statSync(which(bin)!).mode & 0o4000) === 0) throw new Error(`${bin} must be setuid root`);
  }
  const entry = () => {
    try {
      return sh('getent', ['passwd', ROOTLESS_USER]).trim();
    } catch {
      return ''; // getent exits 2 for an unknown user
    }
  };
  let passwd = entry();
  if (!passwd) {
    sh('useradd', ['--create-home', '--shell', '/bin/sh', ROOTLESS_USER]);
    passwd = entry();
  }
  const [, , uidS, gidS, , home] = passwd.split(':');
  const uid = Number(uidS);
  const gid = Number(gidS);
  if (firstRange('/etc/subuid', ROOTLESS_USER, uid) === undefined)
    sh('usermod', ['--add-subuids', '300000-365535', ROOTLESS_USER]);
  if (firstRange('/etc/subgid', ROOTLESS_USER, uid) === undefined)
    sh('usermod', ['--add-subgids', '300000-365535', ROOTLESS_USER]);
  for (const dev of ['/dev/net/tun', '/dev/fuse']) {
    if (!existsSync(dev)) throw new Error(`${dev} is missing: the kernel needs the tun and fuse drivers`);
    if ((statSync(dev).mode & 0o666) !== 0o666) chmodSync(dev, 0o666);
  }
  grantTraversal(ROOTLESS_USER, uid);
  return {
    name: ROOTLESS_USER,
    uid,
    gid,
    home: home!,
    subUidStart: firstRange('/etc/subuid', ROOTLESS_USER, uid)!,
    subGidStart: firstRange('/etc/subgid', ROOTLESS_USER, uid)!,
  };
}

/**
 * The user runs the engine from this checkout (bin/, dist/, node_modules/), but a clone may sit under
 * a private directory (CI clones into `mktemp -d`, mode 0700). Grant the test user — only it, with an
 * ACL — search permission on each ancestor it cannot traverse.
 */
function grantTraversal(user: string, uid: number): void {
  for (let dir = REPO_ROOT; ; dir = dirname(dir)) {
    const st = statSync(dir);
    if ((st.mode & 0o001) === 0 && st.uid !== uid) sh('setfacl', ['-m', `u:${user}:x`, dir]);
    if (dirname(dir) === dir) break;
  }
}

export interface RootlessEngine extends TestEngine {
  user: RootlessUser;
  /** PID of the outer `berth engine` process (the one the user started). */
  pid(): number | undefined;
  /** The user namespace holder's PID from its record, if one is alive. */
  holderPid(): number | undefined;
}

/**
 * Starts `berth engine` as `user` on a socket and data root in a fresh directory the user owns.
 * `env` is added to the engine's environment.
 */
export async function startRootlessEngine(
  user: RootlessUser,
  opts: { config?: object; env?: Record<string, string> } = {},
): Promise<RootlessEngine> {
  const runDir = mkdtempSync(join(tmpdir(), 'berth-rl-'));
  chownSync(runDir, user.uid, user.gid);
  const dataRoot = join(runDir, 'data');
  const socket = join(runDir, 'docker.sock');
  const configPath = join(runDir, 'daemon.json');
  writeFileSync(configPath, JSON.stringify(opts.config ?? {}));
  chownSync(configPath, user.uid, user.gid);
  const dockerConfigDir = join(runDir, 'docker-config');
  mkdirSync(dockerConfigDir);
  writeFileSync(join(dockerConfigDir, 'config.json'), '{}\n');
  // The user must be able to read the repository (sources or dist) it runs from.
  accessSync(REPO_ROOT, constants.R_OK | constants.X_OK);

  // As test/support/engine.ts: dist when built (or BERTH_TEST_ENGINE=dist), else the sources under tsx.
  const mode = process.env.BERTH_TEST_ENGINE ?? (engineBuilt() ? 'dist' : 'source');
  const command =
    mode === 'dist'
      ? [BERTH_LAUNCHER]
      : [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/support/berth-from-source.ts')];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    ...opts.env,
  };
  const holderPid = (): number | undefined => {
    try {
      const rec = JSON.parse(readFileSync(join(dataRoot, 'rt', 'userns.json'), 'utf8')) as {
        pid: number;
        startTime: string;
      };
      const stat = readFileSync(`/proc/${rec.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[19] === rec.startTime && fields[0] !== 'Z' ? rec.pid : undefined;
    } catch {
      return undefined;
    }
  };

  const killHolder = () => {
    const pid = holderPid();
    if (pid) process.kill(pid, 'SIGKILL');
  };
  let output = '';
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawnTracked(
      '/usr/bin/setpriv',
      [
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        '--init-groups',
        // After the uid change (a credential change clears it): the engine dies with the test.
        '--pdeathsig',
        'KILL',
        '--',
        ...command,
        'engine',
        '--socket',
        socket,
        '--data-root',
        dataRoot,
        '--config',
        configPath,
      ],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], pdeathsig: false },
    );
    child = c;
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let exited: string | undefined;
    c.once('exit', (code, sig) => (exited = `engine exited (${code ?? sig}) before answering /_ping`));
    // Two node processes start (outer and inner); allow for a busy machine.
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (exited) {
        killHolder();
        throw new Error(`${exited}\n--- engine output ---\n${output}`);
      }
      try {
        const res = await httpRequest('http://localhost/_ping', { socketPath: socket, timeoutMs: 1000 });
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await stopProcess(c, 'SIGKILL');
        killHolder();
        throw new Error(`rootless engine did not answer /_ping\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await launch();

  let stopped = false;
  const eng: RootlessEngine = {
    user,
    socket,
    dataRoot,
    host: `unix://${socket}`,
    configPath,
    dockerConfigDir,
    pid: () => child?.pid,
    holderPid,
    docker: (args, o = {}) => runDocker(eng, args, o),
    async request(method, path, body) {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const res = await httpRequest(`http://localhost${path}`, {
        method,
        socketPath: socket,
        body: payload,
        headers: payload ? { 'content-type': 'application/json' } : {},
      });
      return { status: res.status, headers: res.headers, body: res.body, json: () => res.json() };
    },
    async kill(signal = 'SIGKILL') {
      if (!child) return;
      child.kill(signal);
      await waitExit(child);
      // The engine proper runs inside the namespace and dies by its parent-death signal a moment
      // after the outer process: wait for it, or the next start finds the data root still locked.
      await waitGone(engineLockPid(dataRoot), 10_000);
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null)
        await stopProcess(child, 'SIGTERM', 15_000);
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await stopProcess(child, 'SIGTERM', 15_000);
      // Whatever is left (containers the test kept running) goes with the namespace holder.
      killMatching((cmdline) => cmdline.includes(dataRoot));
      killHolder();
      rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
    },
    logs: () => output,
  };
  return eng;
}

function runDocker(
  eng: Pick<TestEngine, 'host' | 'dockerConfigDir'>,
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(DOCKER_BIN, ['-H', eng.host, ...args], {
      env: {
        ...process.env,
        DOCKER_CONFIG: eng.dockerConfigDir,
        DOCKER_CLI_HINTS: 'false',
        DOCKER_HOST: undefined,
        DOCKER_CONTEXT: undefined,
        ...opts.env,
      } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      reject(new Error(`docker ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    c.stdin.on('error', () => {});
    c.stdin.end(opts.input);
  });
}

/** SIGKILLs (by PID) the processes whose command line matches, with their descendants. */
/** The pid in the data root's lock file, if any. */
function engineLockPid(dataRoot: string): number | undefined {
  try {
    return Number(readFileSync(join(dataRoot, 'engine.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number | undefined, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pid && existsSync(`/proc/${pid}`) && !isZombie(pid)) {
    if (Date.now() > deadline)
      throw new Error(`engine pid ${pid} still alive ${ms} ms after its parent was killed`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function killMatching(match: (cmdline: string) => boolean): void {
  const parent = new Map<number, number>();
  const doomed = new Set<number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (match(readFileSync(`/proc/${p}/cmdline`, 'utf8'))) doomed.add(Number(p));
    } catch {
      // gone
    }
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent)
      if (!doomed.has(pid) && doomed.has(ppid)) {
        doomed.add(pid);
        grew = true;
      }
  }
  for (const pid of doomed) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The real uid (host view) and user namespace of a process. */
export function processIdentity(pid: number): { uid: number; userns: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  return { uid, userns: readlinkSync(`/proc/${pid}/ns/user`) };
}

/** Children of a process (by /proc/<pid>/stat's ppid). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}
