import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes a directory tree holds, as dockerd counts volume sizes: the sizes of everything but
 * directories, each hard-linked inode once, symlinks never followed. Entries vanishing during the
 * walk are skipped.
 */
export async function directorySize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        await walk(path);
        continue;
      }
      try {
        const st = await lstat(path, { bigint: true });
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1n) {
          if (seen.has(key)) continue;
          seen.add(key);
        }
        total += Number(st.size);
      } catch {
        // removed while we walked
      }
    }
  };
  await walk(root);
  return total;
}
