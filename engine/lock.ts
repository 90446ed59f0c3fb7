import { open, readFile, rm, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DataRootLock {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed engine whose parent is gone may stay a zombie where init does not reap (containers,
  // some sandboxes): it holds nothing, so it does not hold the data root either.
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * One engine per data root: a pid file created exclusively. A pid file whose process is gone is stale
 * (the engine was killed) and is taken over.
 */
export async function acquireDataRootLock(dataRoot: string): Promise<DataRootLock> {
  await mkdir(dataRoot, { recursive: true, mode: 0o700 });
  const path = join(dataRoot, 'engine.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && processAlive(pid)) {
        throw new Error(`data root ${dataRoot} is in use by another engine (pid ${pid})`, { cause: err });
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock data root ${dataRoot}`);
}
