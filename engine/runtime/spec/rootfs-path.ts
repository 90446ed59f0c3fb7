/**
 * Resolving paths inside a container's root filesystem as the container would see them: symlinks
 * are followed relative to the rootfs (an absolute link target or `..` never leaves it), so a
 * hostile image cannot make us read host files through `/etc/passwd -> /host/secret`.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

const MAX_SYMLINKS = 255;

/** The host path that `containerPath` names inside `root`, every component resolved in the root. */
export async function resolveInRoot(root: string, containerPath: string): Promise<string> {
  const pending = containerPath.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    let st;
    try {
      st = await fs.lstat(candidate);
    } catch {
      // Missing: the rest cannot be symlinks either; keep it lexical.
      resolved.push(part);
      continue;
    }
    if (!st.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new Error(`too many levels of symbolic links in ${containerPath}`);
    const target = await fs.readlink(candidate);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return path.join(root, ...resolved);
}

/**
 * Reads a regular file inside `root`; undefined when it does not exist (or is not a regular file).
 * The last component is opened with O_NOFOLLOW so a symlink swapped in after resolution is refused.
 */
export async function readFileInRoot(root: string, containerPath: string): Promise<string | undefined> {
  const hostPath = await resolveInRoot(root, containerPath);
  let fh;
  try {
    fh = await fs.open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!(await fh.stat()).isFile()) return undefined;
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
