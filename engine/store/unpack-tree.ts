/**
 * What a layer extraction has created so far, kept in memory. The destination starts empty and only
 * the extractor writes to it, so this tree is the truth about it: paths are resolved here, symlink by
 * symlink and never outside the root (securejoin semantics), without a single lstat.
 */
import type { TarHeader } from './tar-reader.js';
import { invalidEntry, splitLinkTarget } from './tar-paths.js';

export type NodeKind = 'dir' | 'file' | 'symlink' | 'special' | 'whiteout';

/** Shared by hard links, so each is counted once in the layer size. */
export interface Inode {
  size: number;
}

export class TreeNode {
  readonly children: Map<string, TreeNode> | undefined;
  /** Removed by a later entry (the whole subtree, for a directory). */
  detached = false;
  /** Header whose ownership/mode/times are applied at the end (directories, pending special nodes). */
  meta: TarHeader | undefined;
  opaque = false;
  xattrs: Map<string, Buffer> | undefined;
  /** False for device nodes and FIFOs until the batched mknod ran. */
  onDisk = true;

  constructor(
    readonly kind: NodeKind,
    readonly path: string,
    readonly inode: Inode,
    /** Symlink target. */
    readonly linkTarget?: string,
  ) {
    this.children = kind === 'dir' ? new Map() : undefined;
  }

  detach(): void {
    const stack: TreeNode[] = [this];
    while (stack.length > 0) {
      const n = stack.pop()!;
      n.detached = true;
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
  }
}

/** Symlinks followed while resolving one path before giving up (Linux allows 40; securejoin 255). */
const MAX_LINKS = 255;

export class LayerTree {
  readonly root: TreeNode;

  constructor(rootPath: string) {
    this.root = new TreeNode('dir', rootPath, { size: 0 });
  }

  /**
   * Resolves `parts` (clean components, `..` already applied lexically) to a directory node. Symlinks
   * along the way are followed inside the tree: absolute targets restart at the root and `..` stops
   * at the root, so the result is always inside it. Missing directories are created through `mkdir`
   * unless it is omitted, in which case a missing component resolves to undefined.
   */
  resolveDir(
    parts: readonly string[],
    entryName: string,
    mkdir?: (path: string) => void,
  ): TreeNode | undefined {
    // Fast path: plain directories all the way (the common case).
    let cur = this.root;
    let i = 0;
    for (; i < parts.length; i++) {
      const child = cur.children!.get(parts[i]!);
      if (!child || child.kind !== 'dir') break;
      cur = child;
    }
    if (i === parts.length) return cur;

    const stack: TreeNode[] = [this.root];
    const queue = parts.slice().reverse(); // pop() takes the next component
    let links = 0;
    while (queue.length > 0) {
      const part = queue.pop()!;
      if (part === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const dir = stack[stack.length - 1]!;
      let child = dir.children!.get(part);
      if (!child) {
        if (!mkdir) return undefined;
        child = new TreeNode('dir', `${dir.path}/${part}`, { size: 0 });
        mkdir(child.path);
        dir.children!.set(part, child);
      }
      if (child.kind === 'dir') stack.push(child);
      else if (child.kind === 'symlink') {
        if (++links > MAX_LINKS) throw invalidEntry(entryName, 'too many levels of symbolic links');
        const target = splitLinkTarget(child.linkTarget!);
        if (target.absolute) stack.length = 1;
        for (let k = target.parts.length - 1; k >= 0; k--) queue.push(target.parts[k]!);
      } else {
        throw invalidEntry(entryName, `${JSON.stringify(this.relative(child))} is not a directory`);
      }
    }
    return stack[stack.length - 1]!;
  }

  relative(node: TreeNode): string {
    return node.path.slice(this.root.path.length + 1) || '/';
  }

  /** Every attached node, parents before children. */
  *walk(): Generator<TreeNode> {
    const stack: TreeNode[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      yield n;
      if (n.children) for (const c of n.children.values()) stack.push(c);
    }
  }
}
