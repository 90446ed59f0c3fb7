/**
 * Rootless mode's user namespace, held open by a tiny "holder" process (podman's pause process).
 *
 * An ordinary user cannot chown files to other uids, mount overlayfs or create network namespaces in
 * the host's namespaces. So the engine runs inside a user namespace where it is root over the user's
 * own uid (as 0) and the subordinate ranges from /etc/subuid and /etc/subgid (as 1…), written by the
 * setuid `newuidmap`/`newgidmap` helpers (Debian package `uidmap`), together with a mount namespace
 * owned by it (for overlay and netns bind mounts). The engine stays in the host's network namespace,
 * so registries on the host's loopback stay reachable and pasta can bind published ports on the host.
 *
 * Node cannot enter namespaces itself (setns(CLONE_NEWUSER) needs a single-threaded process), so:
 *   1. `unshare --user --mount` starts `sleep infinity` in new namespaces: the holder, detached;
 *   2. once it runs, newuidmap/newgidmap write its mappings;
 *   3. the engine is re-executed under `nsenter --user --mount --target <holder>`.
 * The holder outlives the engine, as conmon and the containers do, so a restarted engine re-enters the
 * same namespaces and finds its overlay mounts, network namespaces and containers where it left them.
 * Its record (`userns.json` in the state directory) holds its PID, start time and namespace inode, so
 * a recycled PID is never mistaken for it.
 */
import { execFile, spawn } from 'node:child_process';
import { constants, promises as fsp, readFileSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { userInfo } from 'node:os';
import { mappingArgs, readSubIds, type IdRange } from './subids.js';

/** Where the CLI tells the re-executed engine which holder it runs under. */
export const HOLDER_ENV = 'BERTH_ROOTLESS_HOLDER';

const RECORD = 'userns.json';
const SEARCH = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'];

interface HolderRecord {
  pid: number;
  startTime: string;
  userns: string;
}

export interface Holder {
  pid: number;
  /** True when this call started it (false: an existing holder was reused). */
  created: boolean;
}

export interface RootlessTools {
  unshare: string;
  nsenter: string;
  newuidmap: string;
  newgidmap: string;
  sleep: string;
}

async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SEARCH];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      await fsp.access(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Finds the helpers rootless mode needs; the error names the Debian packages. */
export async function findRootlessTools(): Promise<RootlessTools> {
  const names = ['unshare', 'nsenter', 'newuidmap', 'newgidmap', 'sleep'] as const;
  const found = await Promise.all(names.map(which));
  const missing = names.filter((_, i) => !found[i]);
  if (missing.length) {
    const pkgs = new Set(
      missing.map((m) => (m.startsWith('new') ? 'uidmap' : m === 'sleep' ? 'coreutils' : 'util-linux')),
    );
    throw new Error(
      `rootless mode needs ${missing.join(', ')}: install the Debian package(s) ${[...pkgs].join(' ')}`,
    );
  }
  const [unshare, nsenter, newuidmap, newgidmap, sleepBin] = found as string[];
  return {
    unshare: unshare!,
    nsenter: nsenter!,
    newuidmap: newuidmap!,
    newgidmap: newgidmap!,
    sleep: sleepBin!,
  };
}

/** The calling user's subordinate ranges; throws with the fix when there are none. */
export function subordinateRanges(files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): {
  uid: number;
  gid: number;
  user: string;
  uids: IdRange[];
  gids: IdRange[];
} {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const user = userInfo().username;
  const uids = readSubIds(files.subuid, user, uid);
  const gids = readSubIds(files.subgid, user, uid);
  if (!uids.length || !gids.length) {
    const missing = [!uids.length && files.subuid, !gids.length && files.subgid]
      .filter(Boolean)
      .join(' and ');
    throw new Error(
      `rootless mode needs subordinate IDs for user "${user}" in ${missing}; ` +
        `add them with e.g. \`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}\``,
    );
  }
  return { uid, gid, user, uids, gids };
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function usernsOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return undefined;
  }
}

/** The live holder recorded in `stateDir`, if any. */
export async function findHolder(stateDir: string): Promise<number | undefined> {
  let rec: HolderRecord;
  try {
    rec = JSON.parse(await fsp.readFile(join(stateDir, RECORD), 'utf8')) as HolderRecord;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(rec.pid) || rec.pid <= 0) return undefined;
  if (startTimeOf(rec.pid) !== rec.startTime || usernsOf(rec.pid) !== rec.userns) return undefined;
  return rec.pid;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/** Reuses the holder recorded in `stateDir` or starts a new one with the user's mappings. */
export async function ensureHolder(stateDir: string, tools?: RootlessTools): Promise<Holder> {
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const existing = await findHolder(stateDir);
  if (existing) return { pid: existing, created: false };

  const t = tools ?? (await findRootlessTools());
  const ids = subordinateRanges();
  const own = usernsOf('self');
  // Mount propagation `slave`: host mounts still appear inside, ours never leak out.
  const child = spawn(t.unshare, ['--user', '--mount', '--propagation', 'slave', '--', t.sleep, 'infinity'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  let failed: Error | undefined;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.once('error', (e) => (failed = e));
  child.once('exit', (code, sig) => {
    const why = stderr.trim() || `unshare exited (${code ?? sig})`;
    failed ??= new Error(
      `${why}; are unprivileged user namespaces disabled (user.max_user_namespaces, ` +
        `kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns)?`,
    );
  });
  child.unref();
  if (!pid) throw new Error('could not start the user namespace holder');
  // Wait for `sleep` itself: by then unshare has made both namespaces and set the propagation.
  for (let i = 0; ; i++) {
    if (failed) throw new Error(`cannot create a user namespace: ${failed.message}`);
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      // not exec'd yet
    }
    if (exe.endsWith('/sleep') && usernsOf(pid) !== own) break;
    if (i > 500) {
      process.kill(pid, 'SIGKILL');
      throw new Error('the user namespace holder did not start');
    }
    await sleep(5);
  }
  // The holder never writes anything; let it outlive us without a pipe to a dead reader.
  child.stderr!.destroy();
  try {
    await run(t.newuidmap, [String(pid), ...mappingArgs(ids.uid, ids.uids)]);
    await run(t.newgidmap, [String(pid), ...mappingArgs(ids.gid, ids.gids)]);
  } catch (err) {
    process.kill(pid, 'SIGKILL');
    throw new Error(`cannot map the user namespace's IDs: ${(err as Error).message}`, { cause: err });
  }
  const rec: HolderRecord = { pid, startTime: startTimeOf(pid) ?? '', userns: usernsOf(pid) ?? '' };
  const tmp = join(stateDir, `${RECORD}.${process.pid}`);
  await fsp.writeFile(tmp, JSON.stringify(rec) + '\n', { mode: 0o600 });
  await fsp.rename(tmp, join(stateDir, RECORD));
  return { pid, created: true };
}

/** The `nsenter` command line that runs `command` as root of the holder's namespaces. */
export function enterCommand(
  tools: Pick<RootlessTools, 'nsenter'>,
  pid: number,
  command: string[],
): string[] {
  // --preserve-credentials: no setgroups/setuid; our uid already maps to 0 there. --wd: entering the
  // mount namespace would otherwise leave the command in `/`.
  return [
    tools.nsenter,
    '--user',
    '--mount',
    `--target=${pid}`,
    '--preserve-credentials',
    `--wd=${process.cwd()}`,
    '--',
    ...command,
  ];
}

/** Ends the holder (its namespaces go once nothing else is in them). */
export function stopHolder(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
