/**
 * Unpacks a layer tar into a directory in overlayfs form (containerd's overlay snapshotter model):
 * `.wh.name` whiteouts become 0/0 character devices, `.wh..wh..opq` becomes the `overlay.opaque` xattr.
 *
 * A hostile layer cannot write outside the destination: names are cleaned and `..` escapes rejected,
 * parent directories are resolved through an in-memory tree of what this layer created (symlinks
 * followed inside the root only), files are created with O_EXCL|O_NOFOLLOW, and symlinks are never
 * followed on disk.
 *
 * Throughput: small files are buffered and written by a bounded pool of concurrent tasks while the
 * parser moves on; per-path ordering is kept through each inode's `busy` promise. Node cannot mknod
 * or setxattr, so those are batched into one child process each at the end, and whiteouts are hard
 * links to one 0/0 device made once per layer (overlayfs only checks the type and device number).
 */
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';
import { TarReader, type TarHeader } from './tar-reader.js';
import { cleanEntryName, invalidEntry, whiteoutOf } from './tar-paths.js';
import { LayerTree, TreeNode, type Inode } from './unpack-tree.js';
import { makeSpecialNodes, setXattrs, type SpecialNode, type XattrSet } from './unpack-syscalls.js';

export interface UnpackOptions {
  /** 'trusted' when root (overlay reads trusted.overlay.*), 'user' for rootless overlay with userxattr. */
  overlayXattrNamespace?: 'trusted' | 'user';
  /** Apply uid/gid from the tar headers (default: true when running as root). */
  applyOwnership?: boolean;
  /** Create character and block devices from the tar (default: true when running as root). */
  allowDevices?: boolean;
  signal?: AbortSignal;
}

export interface UnpackResult {
  /** 'sha256:' + hex sha256 of the uncompressed tar bytes as they streamed in. */
  diffId: string;
  /** Sum of the lstat sizes of every non-directory, hard links counted once (docker's layer size). */
  size: number;
}

const open = promisify(fs.open);
const close = promisify(fs.close);
const write = promisify(fs.write);
const writev = promisify(fs.writev);
const fchown = promisify(fs.fchown);
const fchmod = promisify(fs.fchmod);
const futimes = promisify(fs.futimes);

const CREATE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
/** Files up to this size are buffered and written in the background. */
const SMALL_FILE = 1024 * 1024;
const MAX_TASKS = 16;
const MAX_TASK_BYTES = 32 * 1024 * 1024;
/** Large files are written in batches of about this many bytes. */
const WRITE_BATCH = 1024 * 1024;

const UMASK = currentUmask();

function currentUmask(): number {
  try {
    return process.umask();
  } catch {
    return 0o777; // unknown: always chmod explicitly
  }
}

/** Extracts an uncompressed layer tar stream into `dest` (an existing empty directory) in overlayfs form. */
export async function unpackLayer(
  tar: Readable,
  dest: string,
  opts: UnpackOptions = {},
): Promise<UnpackResult> {
  const isRoot = process.getuid?.() === 0;
  const root = path.resolve(dest);
  const rootStat = await fsp.stat(root);
  if (!rootStat.isDirectory()) throw new SystemError(`unpack destination ${root} is not a directory`);
  const hash = createHash('sha256');
  const reader = new TarReader(tar, (chunk) => hash.update(chunk));
  const x = new Extractor(root, {
    ns: opts.overlayXattrNamespace ?? (isRoot ? 'trusted' : 'user'),
    applyOwnership: opts.applyOwnership ?? isRoot,
    allowDevices: opts.allowDevices ?? isRoot,
    // A setgid destination would hand its group to new files: then always chown explicitly.
    defaultOwner:
      (rootStat.mode & 0o2000) === 0 ? { uid: process.getuid?.(), gid: process.getgid?.() } : undefined,
  });
  const { signal } = opts;
  const onAbort = (): void =>
    void tar.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    signal?.throwIfAborted();
    for (;;) {
      const header = await reader.next();
      if (!header) break;
      signal?.throwIfAborted();
      await x.entry(header, reader);
    }
    await x.finish();
    return { diffId: 'sha256:' + hash.digest('hex'), size: x.size() };
  } catch (err) {
    await x.settle();
    tar.destroy();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

interface ExtractorOptions {
  ns: 'trusted' | 'user';
  applyOwnership: boolean;
  allowDevices: boolean;
  defaultOwner: { uid?: number; gid?: number } | undefined;
}

class Extractor {
  private readonly tree: LayerTree;
  private readonly tasks = new Set<Promise<void>>();
  private taskBytes = 0;
  private failure: unknown;
  private readonly dirs: TreeNode[] = [];
  private readonly specials: TreeNode[] = [];
  private readonly withXattrs: TreeNode[] = [];
  private readonly opaqueDirs: TreeNode[] = [];
  private rootMeta: TarHeader | undefined;
  private whiteoutTemplate: string | undefined;
  private readonly templates: string[] = [];

  constructor(
    private readonly root: string,
    private readonly opts: ExtractorOptions,
  ) {
    this.tree = new LayerTree(root);
  }

  async entry(h: TarHeader, reader: TarReader): Promise<void> {
    if (this.failure) throw this.failure;
    const parts = cleanEntryName(h.name);
    if (parts.length === 0) {
      if (h.type !== 'dir') throw invalidEntry(h.name, 'the layer root must be a directory');
      this.rootMeta = h;
      return;
    }
    const base = parts.pop()!;
    const dir = (await this.tree.resolveDir(parts, h.name, (p) => this.mkdir(p, h.name)))!;

    const wh = whiteoutOf(base);
    if (wh) {
      if (wh.kind === 'opaque') {
        if (!dir.opaque) this.opaqueDirs.push(dir);
        dir.opaque = true;
      } else if (wh.kind === 'whiteout') {
        await this.whiteout(dir, wh.name, h.name);
      }
      return; // aufs metadata ('meta') is dropped, as docker does
    }

    const existing = dir.children!.get(base);
    if (existing) {
      if (existing.kind === 'dir' && h.type === 'dir') {
        // A directory over a directory merges; the later header's metadata wins.
        if (!existing.meta) this.dirs.push(existing);
        existing.meta = h;
        this.addXattrs(existing, h);
        return;
      }
      await this.remove(dir, base, existing);
    }

    const target = `${dir.path}/${base}`;
    let node: TreeNode;
    switch (h.type) {
      case 'dir':
        node = new TreeNode('dir', target, { size: 0 });
        await this.mkdir(target, h.name);
        node.meta = h;
        this.dirs.push(node);
        break;
      case 'file':
        node = new TreeNode('file', target, { size: h.size });
        await this.writeFile(node, h, reader);
        break;
      case 'symlink':
        node = new TreeNode('symlink', target, { size: Buffer.byteLength(h.linkname) }, h.linkname);
        this.spawn(node.inode, 0, () => this.symlink(node, h));
        break;
      case 'link':
        node = await this.hardlink(target, h);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        if (h.type !== 'fifo' && !this.opts.allowDevices)
          throw invalidEntry(h.name, 'device nodes are not allowed');
        node = new TreeNode('special', target, { size: 0 });
        node.meta = h;
        node.onDisk = false;
        this.specials.push(node);
        break;
    }
    dir.children!.set(base, node);
    this.addXattrs(node, h);
  }

  /** Waits for every write in flight (also after a failure, so the caller can delete dest safely). */
  async settle(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  async finish(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
    const live = (n: TreeNode): boolean => !n.detached;

    // Device nodes and FIFOs: one mknod batch, then their metadata.
    const specials = this.specials.filter(live);
    await makeSpecialNodes(
      specials.map((n): SpecialNode => ({
        path: n.path,
        type: n.meta!.type as SpecialNode['type'],
        major: n.meta!.devmajor,
        minor: n.meta!.devminor,
      })),
    );
    for (const n of specials) {
      n.onDisk = true;
      await this.applyMeta(n.path, n.meta!, true);
    }

    // Directories: ownership and mode now that nothing more is created inside them.
    const dirs = this.dirs.filter((n) => live(n) && n.meta);
    if (this.rootMeta) await this.applyMeta(this.root, this.rootMeta, false);
    for (const n of dirs) await this.applyMeta(n.path, n.meta!, false);

    // Extended attributes after every chown (chown clears security.capability).
    const opaque: XattrSet[] = this.opaqueDirs
      .filter(live)
      .map((n) => ({ path: n.path, name: `${this.opts.ns}.overlay.opaque`, value: Buffer.from('y') }));
    await setXattrs(opaque, false);
    const xattrs: XattrSet[] = [];
    for (const n of this.withXattrs.filter(live)) {
      for (const [name, value] of n.xattrs!) xattrs.push({ path: n.path, name, value });
    }
    await setXattrs(xattrs, true);

    for (const t of this.templates) await fsp.unlink(t);
    // Directory times last: creating anything inside a directory changes its mtime.
    if (this.rootMeta) await fsp.utimes(this.root, atimeOf(this.rootMeta), this.rootMeta.mtime);
    for (const n of dirs) await fsp.utimes(n.path, atimeOf(n.meta!), n.meta!.mtime);
  }

  size(): number {
    const seen = new Set<Inode>();
    let total = 0;
    for (const n of this.tree.walk()) {
      if (n.kind === 'dir' || seen.has(n.inode)) continue;
      seen.add(n.inode);
      total += n.inode.size;
    }
    return total;
  }

  private async mkdir(p: string, entryName: string): Promise<void> {
    try {
      await fsp.mkdir(p, 0o755);
    } catch (err) {
      throw fsError(entryName, err);
    }
  }

  /** Runs `job` in the background, bounded; a failure is rethrown by the next entry or by finish(). */
  private spawn(inode: Inode, bytes: number, job: () => Promise<void>): void {
    const task: Promise<void> = job().then(
      () => {
        this.tasks.delete(task);
        this.taskBytes -= bytes;
      },
      (err: unknown) => {
        this.tasks.delete(task);
        this.taskBytes -= bytes;
        this.failure ??= err;
      },
    );
    this.tasks.add(task);
    this.taskBytes += bytes;
    inode.busy = task;
  }

  private async waitForRoom(bytes: number): Promise<void> {
    while (this.tasks.size >= MAX_TASKS || (this.tasks.size > 0 && this.taskBytes + bytes > MAX_TASK_BYTES)) {
      await Promise.race(this.tasks);
    }
    if (this.failure) throw this.failure;
  }

  private async writeFile(node: TreeNode, h: TarHeader, reader: TarReader): Promise<void> {
    const data = reader.data();
    const chunks: Buffer[] = [];
    if (h.size <= SMALL_FILE) {
      for await (const c of data) chunks.push(c);
      let fd: number;
      try {
        fd = fs.openSync(node.path, CREATE_FLAGS, h.mode & 0o777);
      } catch (err) {
        throw fsError(h.name, err);
      }
      try {
        if (chunks.length === 1) fs.writeSync(fd, chunks[0]!);
        else if (chunks.length > 1) fs.writeSync(fd, Buffer.concat(chunks));
        if (this.needsChown(h)) fs.fchownSync(fd, h.uid, h.gid);
        if ((h.mode & 0o7777) !== (h.mode & 0o777 & ~UMASK)) fs.fchmodSync(fd, h.mode);
        fs.futimesSync(fd, atimeOf(h), h.mtime);
      } catch (err) {
        throw fsError(h.name, err);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    // Large file: written inline, in batches, while background tasks carry on.
    const fd = await this.create(node.path, h);
    try {
      let batch = 0;
      for await (const c of data) {
        chunks.push(c);
        batch += c.length;
        if (batch >= WRITE_BATCH) {
          await writeAll(fd, chunks);
          chunks.length = 0;
          batch = 0;
        }
      }
      await writeAll(fd, chunks);
      await this.finishFile(fd, h);
    } catch (err) {
      throw fsError(h.name, err);
    } finally {
      await close(fd);
    }
  }

  private async create(p: string, h: TarHeader): Promise<number> {
    try {
      return await open(p, CREATE_FLAGS, h.mode & 0o777);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }

  /** Ownership before mode (chown clears setuid/setgid), then times. */
  private async finishFile(fd: number, h: TarHeader): Promise<void> {
    try {
      if (this.needsChown(h)) await fchown(fd, h.uid, h.gid);
      if ((h.mode & 0o7777) !== (h.mode & 0o777 & ~UMASK)) await fchmod(fd, h.mode);
      await futimes(fd, atimeOf(h), h.mtime);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }

  private needsChown(h: TarHeader): boolean {
    if (!this.opts.applyOwnership) return false;
    const d = this.opts.defaultOwner;
    return !d || d.uid !== h.uid || d.gid !== h.gid;
  }

  private async symlink(node: TreeNode, h: TarHeader): Promise<void> {
    try {
      await fsp.symlink(h.linkname, node.path);
      if (this.needsChown(h)) await fsp.lchown(node.path, h.uid, h.gid);
      await fsp.lutimes(node.path, atimeOf(h), h.mtime);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }

  /** A hard link to an entry this layer already extracted; the target's last component is not followed. */
  private async hardlink(target: string, h: TarHeader): Promise<TreeNode> {
    let parts: string[];
    try {
      parts = cleanEntryName(h.linkname);
    } catch {
      throw invalidEntry(h.name, `hard link target ${JSON.stringify(h.linkname)} escapes the layer root`);
    }
    const base = parts.pop();
    const dir = base === undefined ? undefined : await this.tree.resolveDir(parts, h.name);
    const src = dir?.children!.get(base!);
    if (!src || src.detached) {
      throw invalidEntry(
        h.name,
        `hard link target ${JSON.stringify(h.linkname)} does not exist in the layer`,
      );
    }
    if (src.kind === 'dir') throw invalidEntry(h.name, 'hard link to a directory');
    if (!src.onDisk) {
      // The target is a device/FIFO still waiting for the mknod batch: make an identical node instead.
      const node = new TreeNode('special', target, src.inode);
      node.meta = src.meta;
      node.onDisk = false;
      this.specials.push(node);
      return node;
    }
    await src.inode.busy;
    if (this.failure) throw this.failure;
    const node = new TreeNode(src.kind, target, src.inode, src.linkTarget);
    try {
      await fsp.link(src.path, target);
    } catch (err) {
      throw fsError(h.name, err);
    }
    return node;
  }

  private async whiteout(dir: TreeNode, name: string, entryName: string): Promise<void> {
    if (name === '' || name === '.' || name === '..') throw invalidEntry(entryName, 'invalid whiteout name');
    const existing = dir.children!.get(name);
    if (existing) await this.remove(dir, name, existing);
    const node = new TreeNode('whiteout', `${dir.path}/${name}`, { size: 0 });
    for (let attempt = 0; ; attempt++) {
      const template = this.whiteoutTemplate ?? (await this.newWhiteoutTemplate());
      try {
        await fsp.link(template, node.path);
        break;
      } catch (err) {
        // One inode has a hard link limit (65000 on ext4): start another.
        if ((err as NodeJS.ErrnoException).code === 'EMLINK' && attempt === 0)
          this.whiteoutTemplate = undefined;
        else throw fsError(entryName, err);
      }
    }
    dir.children!.set(name, node);
  }

  private async newWhiteoutTemplate(): Promise<string> {
    const p = `${this.root}/.berth-whiteout-${randomBytes(8).toString('hex')}`;
    await makeSpecialNodes([{ path: p, type: 'char', major: 0, minor: 0 }]);
    this.templates.push(p);
    this.whiteoutTemplate = p;
    return p;
  }

  /** Removes what a later entry replaces (a directory with everything below it). */
  private async remove(dir: TreeNode, name: string, node: TreeNode): Promise<void> {
    if (node.kind === 'dir') {
      await this.settle();
      if (this.failure) throw this.failure;
      await fsp.rm(node.path, { recursive: true, force: true });
    } else {
      await node.inode.busy;
      if (this.failure) throw this.failure;
      if (node.onDisk) await fsp.unlink(node.path);
    }
    node.detach();
    dir.children!.delete(name);
  }

  private addXattrs(node: TreeNode, h: TarHeader): void {
    if (h.xattrs.size === 0) return;
    for (const [name, value] of h.xattrs) {
      // overlayfs's own attributes (redirect, origin, metacopy…) would let a layer reach into others.
      if (/^(trusted|user)\.overlay\./.test(name)) continue;
      if (!/^[a-z]+\.[^\0=]+$/.test(name)) continue;
      if (!node.xattrs) {
        node.xattrs = new Map();
        this.withXattrs.push(node);
      }
      node.xattrs.set(name, value);
    }
  }

  private async applyMeta(p: string, h: TarHeader, isSpecial: boolean): Promise<void> {
    try {
      if (this.needsChown(h)) await fsp.lchown(p, h.uid, h.gid);
      await fsp.chmod(p, h.mode);
      if (isSpecial) await fsp.utimes(p, atimeOf(h), h.mtime);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }
}

function atimeOf(h: TarHeader): number {
  return h.atime ?? h.mtime;
}

/** Writes all of `bufs` at the current position, coping with short writes and IOV_MAX. */
async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  let i = 0;
  while (i < bufs.length) {
    if (bufs[i]!.length === 0) {
      i++;
      continue;
    }
    if (i === bufs.length - 1) {
      const { bytesWritten } = await write(fd, bufs[i]!);
      if (bytesWritten < bufs[i]!.length) bufs[i] = bufs[i]!.subarray(bytesWritten);
      else i++;
      continue;
    }
    const batch = bufs.slice(i, i + 512);
    let { bytesWritten: n } = await writev(fd, batch);
    while (n > 0 && i < bufs.length) {
      const b = bufs[i]!;
      if (n >= b.length) {
        n -= b.length;
        i++;
      } else {
        bufs[i] = b.subarray(n);
        n = 0;
      }
    }
  }
}

function fsError(entryName: string, err: unknown): Error {
  if (err instanceof Error && err.name.endsWith('Error') && 'status' in err) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new SystemError(`failed to extract ${JSON.stringify(entryName)}: ${msg}`);
}
