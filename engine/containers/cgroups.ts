/**
 * Finds a container's cgroup directories from its init process (`/proc/<pid>/cgroup`), for cgroup v1
 * (one hierarchy per controller) and v2 (one unified hierarchy), and reads their files.
 *
 * The paths in `/proc/<pid>/cgroup` are relative to our own cgroup namespace root; each hierarchy's
 * mount (from `/proc/self/mountinfo`) says where that root is mounted and which part of it it shows.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { inUserNamespace } from '../runtime/rootless/userns.js';

export type ContainerCgroup =
  { version: 1; dirs: Partial<Record<string, string>> } | { version: 2; dir: string };

interface CgroupMount {
  /** The hierarchy's root inside the mount (mountinfo field 4). */
  root: string;
  mountPoint: string;
  /** v1 controllers of this mount (`cpu`, `memory`, `name=systemd`…); empty for cgroup2. */
  controllers: string[];
  v2: boolean;
}

async function cgroupMounts(): Promise<CgroupMount[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, , superOpts = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const controllers =
      fstype === 'cgroup'
        ? superOpts.split(',').filter((o) => o !== 'rw' && o !== 'ro' && o !== 'relatime')
        : [];
    out.push({
      root: unescape(f[3] ?? '/'),
      mountPoint: unescape(f[4] ?? ''),
      controllers,
      v2: fstype === 'cgroup2',
    });
  }
  return out;
}

/** mountinfo escapes spaces and the like as `\040`. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function under(mount: CgroupMount, path: string): string | undefined {
  const rel = posix.relative(mount.root, path);
  if (rel.startsWith('..')) return undefined;
  return join(mount.mountPoint, rel);
}

/** The cgroup directories of process `pid`, or undefined when it is gone. */
export async function cgroupOf(pid: number): Promise<ContainerCgroup | undefined> {
  // Rootless: containers share the engine's cgroup (none is delegated to us), so none is theirs.
  if (inUserNamespace()) return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  const mounts = await cgroupMounts();
  const entries = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(':');
      const j = l.indexOf(':', i + 1);
      return { controllers: l.slice(i + 1, j), path: l.slice(j + 1) };
    });
  const v1 = entries.filter((e) => e.controllers !== '');
  const v1Mounts = mounts.filter((m) => !m.v2);
  if (v1.length > 0 && v1Mounts.length > 0) {
    const dirs: Record<string, string> = {};
    for (const e of v1) {
      for (const c of e.controllers.split(',')) {
        const m = v1Mounts.find((x) => x.controllers.includes(c));
        const dir = m && under(m, e.path);
        if (dir) dirs[c] = dir;
      }
    }
    return { version: 1, dirs };
  }
  const unified = entries.find((e) => e.controllers === '');
  const m2 = mounts.find((m) => m.v2);
  const dir = unified && m2 && under(m2, unified.path);
  return dir ? { version: 2, dir } : undefined;
}

/** Reads a cgroup file as text; undefined when missing. */
export async function readCg(dir: string | undefined, file: string): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** A single-number file (`max` and missing are undefined). */
export async function readCgNumber(dir: string | undefined, file: string): Promise<number | undefined> {
  const t = (await readCg(dir, file))?.trim();
  if (t === undefined || t === '' || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat) as a map. */
export async function readCgKeyed(dir: string | undefined, file: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of ((await readCg(dir, file)) ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Every PID in the cgroup and its descendants. */
export async function cgroupPids(cg: ContainerCgroup): Promise<number[]> {
  const root = cg.version === 2 ? cg.dir : (cg.dirs.pids ?? cg.dirs.memory ?? cg.dirs.cpu ?? cg.dirs.devices);
  if (!root) return [];
  const out = new Set<number>();
  const walk = async (dir: string): Promise<void> => {
    for (const p of ((await readCg(dir, 'cgroup.procs')) ?? '').split('\n')) if (p) out.add(Number(p));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(root);
  return [...out].sort((a, b) => a - b);
}

/**
 * Every process in the PID namespace of `pid` (a container's init, which has its own): how a container
 * without a cgroup of its own (rootless) is told apart from the rest of the engine's cgroup.
 */
export async function pidNamespaceMembers(pid: number): Promise<number[]> {
  const ns = await readlink(`/proc/${pid}/ns/pid`).catch(() => undefined);
  if (!ns) return [];
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if ((await readlink(`/proc/${name}/ns/pid`).catch(() => undefined)) === ns) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}
