import { open, rename, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Fsyncs a directory so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `data` atomically: write a sibling temp file, fsync it, rename it over the
 * target, fsync the directory. A crash at any point leaves either the old or the new content.
 * `sync: false` skips both fsyncs, for records that need not survive a power cut: the rename still
 * makes a killed process leave the old or the new content, but after an OS crash the file may be
 * old, empty or missing.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { sync?: boolean } = {},
): Promise<void> {
  const sync = opts.sync ?? true;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${basename(path)}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    if (sync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (sync) await fsyncDir(dir);
}
