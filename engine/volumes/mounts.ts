/**
 * Mounting the data directory of volumes with driver options (tmpfs, bind, devices) through
 * mount(8)/umount(8), and reading /proc/self/mountinfo to know what is mounted where.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { SystemError } from '../errors.js';

/** Mount points of this process's mount namespace, decoded (`\040` → space). */
export async function mountPoints(): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field)
      out.push(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return (await mountPoints())
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export async function mount(args: string[]): Promise<void> {
  const { code, stderr } = await run('mount', args);
  if (code !== 0) throw new SystemError(stderr.trim() || `mount exit status ${code}`);
}

/** Unmounts `path`; if it is busy, detaches it lazily so it goes away when no longer used. */
export async function unmount(path: string): Promise<void> {
  const first = await run('umount', [path]);
  if (first.code === 0 || !(await isMountPoint(path))) return;
  const lazy = await run('umount', ['-l', path]);
  if (lazy.code !== 0 && (await isMountPoint(path))) {
    throw new SystemError(`cannot unmount ${path}: ${(lazy.stderr || first.stderr).trim()}`);
  }
}

/** Unmounts everything at or below `dir`; throws if anything stays mounted. */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await unmount(m);
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new SystemError(`cannot unmount ${left[0]}`);
}

function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 16384) stderr += s;
    });
    child.on('error', (err) => reject(new SystemError(`${command}: ${err.message}`)));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
  });
}
