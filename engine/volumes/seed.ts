/**
 * Copying an image's content at a mount path into an empty volume, as docker does on first use:
 * ownership, modes, times, symlinks (as links, never followed), hard links, device nodes, FIFOs and
 * extended attributes (best effort, like layer xattrs).
 */
import { spawn } from 'node:child_process';
import {
  chmod,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  symlink,
} from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { makeSpecialNodes, setXattrs, type SpecialNode, type XattrSet } from '../store/unpack-syscalls.js';

const MAX_SYMLINKS = 255;

/**
 * Resolves `path` (a path inside a container) under `root` the way the kernel would inside a chroot:
 * symlinks are followed but `..` and absolute targets never leave `root`. Returns the host path.
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    let target: string | undefined;
    try {
      if ((await lstat(host)).isSymbolicLink()) target = await readlink(host);
    } catch {
      // missing: the rest resolves lexically
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new Error(`too many levels of symbolic links: ${path}`);
    if (isAbsolute(target)) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return join(root, ...resolved);
}

interface Pending {
  special: SpecialNode[];
  /** Attributes to apply once special nodes exist, deepest entries (and directories) last. */
  finish: { path: string; st: BigIntStats; symlink: boolean }[];
}

/** Copies the tree under `src` into the existing directory `dst`; returns how many entries it copied. */
export async function copyTree(src: string, dst: string): Promise<number> {
  const pending: Pending = { special: [], finish: [] };
  const links = new Map<string, string>();
  let count = 0;

  const copyDir = async (from: string, to: string): Promise<void> => {
    for (const e of await readdir(from, { withFileTypes: true })) {
      const s = join(from, e.name);
      const d = join(to, e.name);
      const st = await lstat(s, { bigint: true });
      count++;
      if (st.isDirectory()) {
        await mkdir(d, { mode: 0o700 });
        await copyDir(s, d);
        pending.finish.push({ path: d, st, symlink: false });
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1n && links.has(key)) {
        await link(links.get(key)!, d);
        continue;
      }
      if (st.isSymbolicLink()) {
        await symlink(await readlink(s), d);
        pending.finish.push({ path: d, st, symlink: true });
      } else if (st.isFile()) {
        await copyFile(s, d);
        pending.finish.push({ path: d, st, symlink: false });
      } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
        const rdev = Number(st.rdev);
        pending.special.push({
          path: d,
          type: st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : 'block',
          major: (rdev >> 8) & 0xfff,
          minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
        });
        pending.finish.push({ path: d, st, symlink: false });
      } else {
        count--; // sockets are not copied
        continue;
      }
      if (st.nlink > 1n) links.set(key, d);
    }
  };

  await copyDir(src, dst);
  if (pending.special.length > 0) await makeSpecialNodes(pending.special);
  // Children were pushed before their directory, so a directory's times are set after its content.
  for (const f of pending.finish) await applyAttributes(f.path, f.st, f.symlink);
  await setXattrs(await readXattrs(src, dst), true).catch(() => undefined);
  return count;
}

/** Ownership, then mode (chown clears set-id bits), then times; symlinks get no mode. */
export async function applyAttributes(path: string, st: BigIntStats, isSymlink: boolean): Promise<void> {
  await lchown(path, Number(st.uid), Number(st.gid)).catch(() => undefined);
  if (!isSymlink) await chmod(path, Number(st.mode) & 0o7777);
  const ns = (v: bigint) => Number(v) / 1e9;
  await lutimes(path, ns(st.atimeNs), ns(st.mtimeNs)).catch(() => undefined);
}

/** Every extended attribute under `src` (getfattr, not following symlinks), retargeted under `dst`. */
async function readXattrs(src: string, dst: string): Promise<XattrSet[]> {
  const dump = await new Promise<string>((resolve) => {
    const child = spawn(
      'getfattr',
      ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', src],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, LC_ALL: 'C' },
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (out += s));
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(out));
  });
  const sets: XattrSet[] = [];
  let current: string | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescapeDump(line.slice(8));
      const rel = relative(src, path);
      current = rel.startsWith('..') || isAbsolute(rel) ? undefined : rel === '' ? dst : join(dst, rel);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq <= 0) continue;
    const name = unescapeDump(line.slice(0, eq));
    const raw = line.slice(eq + 1);
    const value = raw.startsWith('0s')
      ? Buffer.from(raw.slice(2), 'base64')
      : Buffer.from(raw.replace(/^"|"$/g, ''));
    sets.push({ path: current, name, value });
  }
  return sets;
}

/** Undoes getfattr's `\ooo` escapes (on UTF-8 bytes). */
function unescapeDump(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
