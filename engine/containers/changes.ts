/**
 * `docker diff`: what the container changed, from its overlay upper dir against the image layers.
 * A 0/0 character device is a whiteout (deleted); a path that exists in the image is modified,
 * otherwise added; below an opaque directory the image's entries that are gone count as deleted.
 */
import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Stats } from 'node:fs';

export interface Change {
  Path: string;
  /** 0 modified, 1 added, 2 deleted. */
  Kind: 0 | 1 | 2;
}

const run = promisify(execFile);

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** Reads the overlay opaque marker (trusted.overlay.opaque, or user.overlay.opaque for rootless). */
async function isOpaque(dir: string): Promise<boolean> {
  for (const name of ['trusted.overlay.opaque', 'user.overlay.opaque']) {
    try {
      const { stdout } = await run('getfattr', ['--only-values', '--absolute-names', '-n', name, dir]);
      if (stdout.trim() === 'y') return true;
    } catch {
      // not set (or getfattr missing)
    }
  }
  return false;
}

/** The image's view of one path: does it exist once the layers (top first) are stacked? */
export class LowerView {
  private readonly opaqueCache = new Map<string, boolean>();
  constructor(private readonly lowers: string[]) {}

  private async opaque(dir: string): Promise<boolean> {
    let v = this.opaqueCache.get(dir);
    if (v === undefined) this.opaqueCache.set(dir, (v = await isOpaque(dir)));
    return v;
  }

  async exists(rel: string): Promise<boolean> {
    const parts = rel.split('/').filter(Boolean);
    for (const layer of this.lowers) {
      const st = await lstat(join(layer, ...parts)).catch(() => undefined);
      if (st) return !isWhiteout(st);
      // A whiteout or opaque directory on the way down hides the layers below.
      for (let i = 0; i < parts.length; i++) {
        const anc = join(layer, ...parts.slice(0, i));
        const w = await lstat(join(anc, parts[i]!)).catch(() => undefined);
        if (w && isWhiteout(w)) return false;
        if (i > 0 && (await this.opaque(join(layer, ...parts.slice(0, i))))) return false;
      }
    }
    return false;
  }

  /** Names in the image's directory `rel`. */
  async list(rel: string): Promise<string[]> {
    const out = new Set<string>();
    const hidden = new Set<string>();
    for (const layer of this.lowers) {
      const dir = join(layer, rel);
      for (const n of await readdir(dir).catch(() => [] as string[])) {
        if (hidden.has(n) || out.has(n)) continue;
        const st = await lstat(join(dir, n)).catch(() => undefined);
        if (st && isWhiteout(st)) hidden.add(n);
        else out.add(n);
      }
      if (await this.opaque(dir)) break;
    }
    return [...out];
  }
}

/**
 * The changes in `upper` over the image `lowers` (top first). `ignore` lists paths the engine or the
 * runtime created as mount points (`/etc/hosts`, `/dev`…): left out with what is below them, and so are
 * the directories that only show as modified because of them (dockerd keeps those in an init layer).
 */
export async function containerChanges(
  upper: string,
  lowers: string[],
  ignore: string[] = [],
): Promise<Change[]> {
  const image = new LowerView(lowers);
  const changes: Change[] = [];
  const dirs = new Set<string>();
  const ignored = (p: string) => ignore.some((i) => p === i || p.startsWith(i + '/'));
  const walk = async (rel: string, inImage: boolean): Promise<void> => {
    const names = await readdir(join(upper, rel)).catch(() => [] as string[]);
    if (inImage && (await isOpaque(join(upper, rel)))) {
      for (const n of await image.list(rel))
        if (!names.includes(n)) changes.push({ Path: `${rel}/${n}`, Kind: 2 });
    }
    for (const n of names.sort()) {
      const p = `${rel}/${n}`;
      const st = await lstat(join(upper, p)).catch(() => undefined);
      if (!st) continue;
      if (isWhiteout(st)) {
        changes.push({ Path: p, Kind: 2 });
        continue;
      }
      const existed = inImage && (await image.exists(p));
      if (ignored(p) && !existed) continue;
      changes.push({ Path: p, Kind: existed ? 0 : 1 });
      if (st.isDirectory()) {
        dirs.add(p);
        await walk(p, existed);
      }
    }
  };
  await walk('', true);
  const kept = changes.filter((c) => {
    if (c.Kind !== 0 || !dirs.has(c.Path)) return true;
    const holdsIgnored = ignore.some((i) => i.startsWith(c.Path + '/'));
    return !holdsIgnored || changes.some((d) => d.Path.startsWith(c.Path + '/'));
  });
  return kept.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}
