/**
 * Unpacks a layer tar into a directory in overlayfs form (containerd's overlay snapshotter model):
 * `.wh.name` whiteouts become 0/0 character devices, `.wh..wh..opq` becomes the `overlay.opaque` xattr.
 *
 * A hostile layer cannot write outside the destination: names are cleaned and `..` escapes rejected,
 * parent directories are resolved through an in-memory tree of what this layer created (symlinks
 * followed inside the root only), files are created with O_EXCL|O_NOFOLLOW, and symlinks are never
 * followed on disk.
 *
 * Throughput: small files (the bulk of entries) are written with synchronous calls. Measured on a
 * 270 MB / 6,400-entry layer, that took ~25% less CPU than async calls (a threadpool round trip and
 * a promise per syscall, four syscalls per file) even with 16 files in flight; each call blocks the
 * loop only for microseconds. Large files stream asynchronously. Node cannot mknod or setxattr, so
 * those are batched into one child process each at the end, and whiteouts are hard links to one 0/0
 * device made once per layer (overlayfs only checks a whiteout's type and device number).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SystemError } from '../errors.js';
import { TarReader, type TarHeader } from './tar-reader.js';
import { cleanEntryName, invalidEntry, whiteoutOf } from './tar-paths.js';
import { LayerTree, TreeNode, type Inode } from './unpack-tree.js';
import { makeSpecialNodes, setXattrs, type SpecialNode, type XattrSet } from './unpack-syscalls.js';
import { inUserNamespace } from '../runtime/rootless/userns.js';

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

const CREATE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
/** Files up to this size are buffered and written synchronously. */
const SMALL_FILE = 1024 * 1024;
/** Large files are written in batches of about this many bytes. */
const WRITE_BATCH = 1024 * 1024;
/** …and at most this many buffers (the data's own chunks, written with one writev). */
const MAX_IOVECS = 256;

const UMASK = currentUmask();

function currentUmask(): number {
  try {
    return process.umask();
  } catch {
    return 0o777; // unknown (e.g. in a worker): always chmod explicitly
  }
}

/** Extracts an uncompressed layer tar stream into `dest` (an existing empty directory) in overlayfs form. */
export async function unpackLayer(
  tar: Readable,
  dest: string,
  opts: UnpackOptions = {},
): Promise<UnpackResult> {
  const isRoot = process.getuid?.() === 0;
  // Root of a user namespace (rootless engine) may chown within its mappings, but trusted.* xattrs and
  // device nodes need the initial namespace: opaque dirs use user.overlay.opaque there.
  const userns = inUserNamespace();
  const root = path.resolve(dest);
  const rootStat = await fsp.stat(root);
  if (!rootStat.isDirectory()) throw new SystemError(`unpack destination ${root} is not a directory`);
  const hash = createHash('sha256');
  const reader = new TarReader(tar, (chunk) => hash.update(chunk));
  const x = new Extractor(root, {
    ns: userns ? 'user' : (opts.overlayXattrNamespace ?? (isRoot ? 'trusted' : 'user')),
    applyOwnership: opts.applyOwnership ?? isRoot,
    allowDevices: !userns && (opts.allowDevices ?? isRoot),
    skipDevices: userns,
    // In a setgid destination new files would take its group: then always chown explicitly.
    creator:
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
  /** Leave device nodes out instead of failing (in a user namespace, as dockerd does). */
  skipDevices: boolean;
  /** Owner new files get without a chown, when known. */
  creator: { uid?: number; gid?: number } | undefined;
}

class Extractor {
  private readonly tree: LayerTree;
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
    const parts = cleanEntryName(h.name);
    if (parts.length === 0) {
      if (h.type !== 'dir') throw invalidEntry(h.name, 'the layer root must be a directory');
      this.rootMeta = h;
      this.addXattrs(this.tree.root, h);
      return;
    }
    const base = parts.pop()!;
    const dir = this.tree.resolveDir(parts, h.name, (p) => mkdir(p, h.name))!;

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
      this.remove(dir, base, existing, h.name);
    }

    const target = `${dir.path}/${base}`;
    let node: TreeNode;
    switch (h.type) {
      case 'dir':
        node = new TreeNode('dir', target, { size: 0 });
        mkdir(target, h.name);
        node.meta = h;
        this.dirs.push(node);
        break;
      case 'file':
        node = new TreeNode('file', target, { size: h.size });
        await this.writeFile(target, h, reader);
        break;
      case 'symlink':
        node = new TreeNode('symlink', target, { size: Buffer.byteLength(h.linkname) }, h.linkname);
        this.symlink(target, h);
        break;
      case 'link':
        node = this.hardlink(target, h);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        if (h.type !== 'fifo' && !this.opts.allowDevices) {
          if (this.opts.skipDevices) return;
          throw invalidEntry(h.name, 'device nodes are not allowed');
        }
        node = new TreeNode('special', target, { size: 0 });
        node.meta = h;
        node.onDisk = false;
        this.specials.push(node);
        break;
    }
    dir.children!.set(base, node);
    this.addXattrs(node, h);
  }

  async finish(): Promise<void> {
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
      this.applyMeta(n.path, n.meta!, true);
    }

    // Directories: ownership and mode now that nothing more is created inside them.
    const dirs = this.dirs.filter((n) => live(n) && n.meta);
    if (this.rootMeta) this.applyMeta(this.root, this.rootMeta, false);
    for (const n of dirs) this.applyMeta(n.path, n.meta!, false);

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

    for (const t of this.templates) fs.unlinkSync(t);
    // Directory times last: creating anything inside a directory changes its mtime.
    if (this.rootMeta) fs.utimesSync(this.root, atimeOf(this.rootMeta), this.rootMeta.mtime);
    for (const n of dirs) fs.utimesSync(n.path, atimeOf(n.meta!), n.meta!.mtime);
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

  private async writeFile(p: string, h: TarHeader, reader: TarReader): Promise<void> {
    const chunks: Buffer[] = [];
    if (h.size <= SMALL_FILE) {
      for await (const c of reader.data()) chunks.push(c);
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let fd: number;
      try {
        fd = fs.openSync(p, CREATE_FLAGS, h.mode & 0o777);
      } catch (err) {
        throw fsError(h.name, err);
      }
      try {
        for (let off = 0; off < data.length;) off += fs.writeSync(fd, data, off);
        this.finishFile(fd, h);
      } catch (err) {
        throw fsError(h.name, err);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    // Large file: stream it without blocking the loop on big writes.
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(p, CREATE_FLAGS, h.mode & 0o777);
    } catch (err) {
      throw fsError(h.name, err);
    }
    try {
      let batch = 0;
      for await (const c of reader.data()) {
        chunks.push(c);
        batch += c.length;
        if (batch >= WRITE_BATCH || chunks.length >= MAX_IOVECS) {
          await writeAll(fh, chunks);
          chunks.length = 0;
          batch = 0;
        }
      }
      await writeAll(fh, chunks);
      this.finishFile(fh.fd, h);
    } catch (err) {
      throw fsError(h.name, err);
    } finally {
      await fh.close();
    }
  }

  /** Ownership before mode (chown clears setuid/setgid), then times. */
  private finishFile(fd: number, h: TarHeader): void {
    if (this.needsChown(h)) fs.fchownSync(fd, h.uid, h.gid);
    if ((h.mode & 0o7777) !== (h.mode & 0o777 & ~UMASK)) fs.fchmodSync(fd, h.mode);
    fs.futimesSync(fd, atimeOf(h), h.mtime);
  }

  private needsChown(h: TarHeader): boolean {
    if (!this.opts.applyOwnership) return false;
    const c = this.opts.creator;
    return !c || c.uid !== h.uid || c.gid !== h.gid;
  }

  private symlink(p: string, h: TarHeader): void {
    try {
      fs.symlinkSync(h.linkname, p);
      if (this.needsChown(h)) fs.lchownSync(p, h.uid, h.gid);
      fs.lutimesSync(p, atimeOf(h), h.mtime);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }

  /** A hard link to an entry this layer already extracted; the target's last component is not followed. */
  private hardlink(p: string, h: TarHeader): TreeNode {
    let parts: string[];
    try {
      parts = cleanEntryName(h.linkname);
    } catch {
      throw invalidEntry(h.name, `hard link target ${JSON.stringify(h.linkname)} escapes the layer root`);
    }
    const base = parts.pop();
    const dir = base === undefined ? undefined : this.tree.resolveDir(parts, h.name);
    const src = dir?.children!.get(base!);
    if (!src)
      throw invalidEntry(
        h.name,
        `hard link target ${JSON.stringify(h.linkname)} does not exist in the layer`,
      );
    if (src.kind === 'dir') throw invalidEntry(h.name, 'hard link to a directory');
    if (!src.onDisk) {
      // The target is a device/FIFO still waiting for the mknod batch: make an identical node instead.
      const node = new TreeNode('special', p, src.inode);
      node.meta = src.meta;
      node.onDisk = false;
      this.specials.push(node);
      return node;
    }
    try {
      fs.linkSync(src.path, p);
    } catch (err) {
      throw fsError(h.name, err);
    }
    return new TreeNode(src.kind, p, src.inode, src.linkTarget);
  }

  private async whiteout(dir: TreeNode, name: string, entryName: string): Promise<void> {
    if (name === '' || name === '.' || name === '..') throw invalidEntry(entryName, 'invalid whiteout name');
    const existing = dir.children!.get(name);
    if (existing) this.remove(dir, name, existing, entryName);
    const node = new TreeNode('whiteout', `${dir.path}/${name}`, { size: 0 });
    for (let attempt = 0; ; attempt++) {
      const template = this.whiteoutTemplate ?? (await this.newWhiteoutTemplate());
      try {
        fs.linkSync(template, node.path);
        break;
      } catch (err) {
        // An inode has a hard link limit (65000 on ext4): start another.
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
  private remove(dir: TreeNode, name: string, node: TreeNode, entryName: string): void {
    try {
      if (node.kind === 'dir') fs.rmSync(node.path, { recursive: true, force: true });
      else if (node.onDisk) fs.unlinkSync(node.path);
    } catch (err) {
      throw fsError(entryName, err);
    }
    node.detach();
    dir.children!.delete(name);
  }

  private addXattrs(node: TreeNode, h: TarHeader): void {
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

  private applyMeta(p: string, h: TarHeader, isSpecial: boolean): void {
    try {
      if (this.needsChown(h)) fs.lchownSync(p, h.uid, h.gid);
      fs.chmodSync(p, h.mode);
      if (isSpecial) fs.utimesSync(p, atimeOf(h), h.mtime);
    } catch (err) {
      throw fsError(h.name, err);
    }
  }
}

function mkdir(p: string, entryName: string): void {
  try {
    fs.mkdirSync(p, 0o755);
  } catch (err) {
    throw fsError(entryName, err);
  }
}

function atimeOf(h: TarHeader): number {
  return h.atime ?? h.mtime;
}

/** Writes all of `bufs` at the current position with one writev (no copy), coping with short writes. */
async function writeAll(fh: fsp.FileHandle, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest);
    let i = 0;
    while (i < rest.length && bytesWritten >= rest[i]!.length) bytesWritten -= rest[i++]!.length;
    rest = rest.slice(i);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/** Wraps a filesystem error with the entry it happened on; engine errors pass through. */
function fsError(entryName: string, err: unknown): Error {
  if (err instanceof Error && 'status' in err) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new SystemError(`failed to extract ${JSON.stringify(entryName)}: ${msg}`);
}
