// The Electron main process in plain Node. First its engine host: UtilityProcessEngineHost runs the
// real engine through its utility-process entry (dist/electron/main/engine-entry.js), with Electron's
// utilityProcess.fork stood in for by child_process.fork (the same module, the same messages). Then
// the whole of dist/electron/main/index.js with `electron` replaced by a recording fake
// (electron-fake.mjs): window options, menu, tray, the IPC bridge with sender checks, navigation
// and link policy, window state, and a clean shutdown that stops the engine.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import type { EngineState } from '../../electron/backend/engine-host.js';
import { REPO_ROOT } from '../support/engine.js';
import {
  engineEntryPath,
  UtilityProcessEngineHost,
  type ForkUtility,
} from '../../electron/main/utility-engine-host.js';

let dir: string;
let host: UtilityProcessEngineHost;
const forks: { modulePath: string; execArgv: string[]; serviceName: string }[] = [];

/** utilityProcess.fork, played by Node's fork: stdout/stderr piped, postMessage over the IPC channel. */
const forkWithNode: ForkUtility = (modulePath, args, options) => {
  forks.push({ modulePath, execArgv: options.execArgv, serviceName: options.serviceName });
  const child = fork(modulePath, args, {
    env: options.env,
    execArgv: options.execArgv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    postMessage: (m) => child.send(m as object),
    kill: () => child.kill(),
    once: (_e, listener) => child.once('exit', (code) => listener(code ?? -1)),
  };
};

beforeAll(() => {
  if (!existsSync(engineEntryPath()))
    throw new Error(`${engineEntryPath()} is missing: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), 'berth-uph-'));
  host = new UtilityProcessEngineHost(join(dir, 'e.sock'), join(dir, 'data'), forkWithNode, {
    configPath: join(dir, 'config.json'),
  });
});

afterAll(async () => {
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('UtilityProcessEngineHost', () => {
  it('starts the engine in a separate process with the launcher’s memory settings', async () => {
    const states: EngineState[] = [];
    host.on('state', (s: EngineState) => states.push(s));
    await host.start();
    expect(states).toEqual(['starting', 'running']);
    expect(forks[0]).toEqual({
      modulePath: engineEntryPath(),
      execArgv: ['--max-semi-space-size=1', '--expose-gc'],
      serviceName: 'Berth engine',
    });
    const docker = new Docker({ socketPath: host.socket });
    expect(((await docker.info()) as { DockerRootDir: string }).DockerRootDir).toBe(join(dir, 'data'));
    expect(host.log().some((l) => /listening on unix:\/\//.test(l))).toBe(true);
  });

  it('stops it cleanly with a message (the socket goes away), and restarts it', async () => {
    await host.stop();
    expect(host.state()).toBe('stopped');
    expect(host.log().some((l) => /received SIGTERM, shutting down/.test(l))).toBe(true);
    expect(host.log().at(-1)).toBe('engine exited (code 0)');
    expect(existsSync(host.socket)).toBe(false);
    await host.restart();
    expect(host.state()).toBe('running');
    expect(forks).toHaveLength(2);
  });

  it('connects to an engine that already serves the socket instead of starting another', async () => {
    const second = new UtilityProcessEngineHost(host.socket, join(dir, 'other'), forkWithNode);
    await second.start();
    expect(second.state()).toBe('external');
    expect(forks).toHaveLength(2);
    await expect(second.restart()).rejects.toThrow(/outside the app/);
  });
});

describe('Electron main (index.js) with a fake Electron', () => {
  type Report = { type: string; [k: string]: unknown };
  let home: string;
  let child: ChildProcess;
  const reports: Report[] = [];
  const waitFor = async (pred: (r: Report) => boolean, timeoutMs = 30_000): Promise<Report> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = reports.find(pred);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no report matched within ${timeoutMs} ms: ${JSON.stringify(reports.slice(-10))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const socket = () => join(home, 'run', 'berth', 'docker.sock');
  const indexUrl = pathToFileURL(join(REPO_ROOT, 'dist/renderer/index.html')).href;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'berth-main-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_DATA_HOME: join(home, 'data'),
      XDG_RUNTIME_DIR: join(home, 'run'),
    };
    delete env.DOCKER_HOST;
    child = fork(join(REPO_ROOT, 'dist/electron/main/index.js'), [], {
      env,
      execArgv: ['--import', pathToFileURL(join(REPO_ROOT, 'test/app/electron-fake-register.mjs')).href],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    child.stderr!.resume();
    child.on('message', (m: Report) => reports.push(m));
    await waitFor((r) => r.type === 'load');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    // An engine the app left behind (a failed test) must not outlive the test.
    for (const r of reports.filter((r) => r.type === 'fork')) {
      try {
        process.kill(r.pid as number, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('opens one hardened window on the built page with the bundled preload', async () => {
    const win = (await waitFor((r) => r.type === 'window')).options as {
      webPreferences: Record<string, unknown>;
      width: number;
      height: number;
    };
    expect(win.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      preload: join(REPO_ROOT, 'dist/electron/preload/index.cjs'),
    });
    expect(existsSync(win.webPreferences.preload as string)).toBe(true);
    expect((await waitFor((r) => r.type === 'load')).file).toBe(join(REPO_ROOT, 'dist/renderer/index.html'));
    await waitFor((r) => r.type === 'show');
    expect((await waitFor((r) => r.type === 'menu')).labels).toEqual([
      'File',
      'Edit',
      'View',
      'Go',
      'Engine',
    ]);
  });

  it('starts the embedded engine in a utility process on the default socket', async () => {
    expect(await waitFor((r) => r.type === 'fork')).toMatchObject({ serviceName: 'Berth engine' });
    await waitFor((r) => r.type === 'tooltip' && r.text === 'Berth — engine running', 60_000);
    const docker = new Docker({ socketPath: socket() });
    expect(((await docker.info()) as { DockerRootDir: string }).DockerRootDir).toBe(
      join(home, 'data', 'berth'),
    );
  });

  it('answers the bridge for our page only', async () => {
    child.send({ type: 'ipc', message: { type: 'call', id: 1, method: 'connections.list', args: {} } });
    const reply = await waitFor((r) => r.type === 'renderer' && (r.message as { id: number }).id === 1);
    expect(reply.channel).toBe('berth:to-renderer');
    expect(reply.message).toMatchObject({
      type: 'result',
      result: { ok: true, value: [{ id: 'embedded', url: `unix://${socket()}` }] },
    });
    child.send({
      type: 'ipc',
      frameUrl: 'https://evil.example/',
      message: { type: 'call', id: 2, method: 'connections.list', args: {} },
    });
    child.send({
      type: 'ipc',
      frameUrl: `${indexUrl}#/images`,
      webContentsId: 999,
      message: { type: 'call', id: 3, method: 'connections.list', args: {} },
    });
    child.send({
      type: 'ipc',
      frameUrl: `${indexUrl}#/images`,
      message: { type: 'call', id: 4, method: 'engine.status', args: {} },
    });
    const status = await waitFor((r) => r.type === 'renderer' && (r.message as { id: number }).id === 4);
    expect(status.message).toMatchObject({ result: { ok: true, value: { hosted: true, state: 'running' } } });
    expect(
      reports.some((r) => r.type === 'renderer' && [2, 3].includes((r.message as { id: number }).id)),
    ).toBe(false);
  });

  it('keeps the window on the app and opens only loopback links outside', async () => {
    child.send({ type: 'navigate', url: 'https://example.com/' });
    expect(await waitFor((r) => r.type === 'navigate-result')).toMatchObject({ prevented: true });
    child.send({ type: 'open-window', url: 'http://localhost:8080/' });
    child.send({ type: 'open-window', url: 'https://example.com/' });
    child.send({ type: 'open-window', url: 'file:///etc/passwd' });
    await waitFor((r) => r.type === 'open-window-result');
    await new Promise((r) => setTimeout(r, 100));
    expect(reports.filter((r) => r.type === 'open-window-result').map((r) => r.action)).toEqual([
      'deny',
      'deny',
      'deny',
    ]);
    expect(reports.filter((r) => r.type === 'openExternal').map((r) => r.url)).toEqual([
      'http://localhost:8080/',
    ]);
    child.send({ type: 'request', url: 'https://example.com/tracker.js' });
    expect(await waitFor((r) => r.type === 'request-result')).toMatchObject({ cancel: true });
  });

  it('navigates from the Go menu and remembers the window bounds', async () => {
    child.send({ type: 'menu', accelerator: 'CmdOrCtrl+2' });
    expect((await waitFor((r) => r.type === 'exec')).code).toBe('location.hash = "#/images"');
    child.send({ type: 'resize' });
    const settingsFile = join(home, 'config', 'berth', 'app-settings.json');
    await expect
      .poll(() =>
        existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')).window : undefined,
      )
      .toEqual({ x: 40, y: 30, width: 1111, height: 777, maximized: false });
  });

  it('quits cleanly: stops the engine gracefully and exits', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.send({ type: 'quit' });
    expect(await exited).toBe(0);
    expect(reports.some((r) => r.type === 'tray-destroyed')).toBe(true);
    // The engine shut down through its own SIGTERM path: its socket is gone.
    expect(existsSync(socket())).toBe(false);
  });
});
