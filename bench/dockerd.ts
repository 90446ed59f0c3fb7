/**
 * The reference engine: Debian's dockerd, started privately for the benchmark. Everything it owns
 * lives under one temp directory (data root, exec root, pidfile, socket, config, trust key, log);
 * it listens only on that socket and is told to leave the host's network, iptables and sysctls
 * alone. It supervises its own containerd under the exec root (there is no system containerd
 * socket on this host; if there were, we would refuse to start rather than share it).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../test/support/http.js';
import { spawnTracked, stopProcess } from '../test/support/processes.js';
import { processTree, scrubDir } from './cleanup.js';
import { apiRequest, cliConfigDir, runDocker, type BenchDaemon } from './daemon.js';
import { comm } from './measure.js';

export const DOCKERD_BIN = '/usr/sbin/dockerd';
/** dockerd uses a running system containerd when this socket exists; we must not. */
const SYSTEM_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

export interface ReferenceDaemon extends BenchDaemon {
  /** dockerd's supervised containerd, if found. */
  containerdPid(): number | undefined;
  version: string;
}

export function dockerdInstalled(): boolean {
  return existsSync(DOCKERD_BIN);
}

/** Starts a private dockerd; throws (after cleaning up) when it does not come up. */
export async function startDockerd(opts: { startTimeoutMs?: number } = {}): Promise<ReferenceDaemon> {
  if (existsSync(SYSTEM_CONTAINERD_SOCKET))
    throw new Error(`${SYSTEM_CONTAINERD_SOCKET} exists; refusing to let the reference dockerd share it`);
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-dockerd-'));
  const dataRoot = join(root, 'data');
  const execRoot = join(root, 'exec');
  mkdirSync(dataRoot);
  mkdirSync(execRoot);
  const socket = join(root, 'docker.sock');
  const configFile = join(root, 'daemon.json');
  // The trust key would otherwise be written to /etc/docker/key.json.
  writeFileSync(configFile, JSON.stringify({ 'deprecated-key-path': join(root, 'key.json') }, null, 2));
  const logPath = join(root, 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  const args = [
    '--config-file',
    configFile,
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '--pidfile',
    join(root, 'dockerd.pid'),
    '-H',
    `unix://${socket}`,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--storage-driver=overlay2',
    '--log-level=warn',
  ];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
  const child = spawnTracked(DOCKERD_BIN, args, { env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, sig) => (exited = `dockerd exited (${code ?? sig}) during startup`));
  child.once('error', (e) => (exited = `dockerd failed to start: ${e.message}`));

  const logTail = () => {
    try {
      return readFileSync(logPath, 'utf8').slice(-3000);
    } catch {
      return '';
    }
  };
  const teardown = async () => {
    await stopProcess(child, 'SIGTERM', 20_000);
    scrubDir(root);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      const tail = logTail();
      await teardown();
      throw new Error(`${exited}\n--- dockerd log ---\n${tail}`);
    }
    try {
      const res = await httpRequest('http://localhost/_ping', { socketPath: socket, timeoutMs: 1000 });
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const tail = logTail();
      await teardown();
      throw new Error(`dockerd did not answer /_ping in time\n--- dockerd log ---\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const pid = child.pid!;
  const configDir = cliConfigDir(root);
  const version = (await apiRequest(socket, 'GET', '/version')).json().Version as string;
  let stopped = false;
  return {
    name: 'dockerd',
    socket,
    dataRoot,
    pid,
    version,
    docker: (a, o) => runDocker(socket, configDir, a, o),
    api: (method, path, o) => apiRequest(socket, method, path, o),
    containerdPid: () => processTree(pid).find((p) => p !== pid && comm(p) === 'containerd'),
    async stop() {
      if (stopped) return;
      stopped = true;
      await teardown();
    },
  };
}
