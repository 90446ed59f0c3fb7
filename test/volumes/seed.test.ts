/**
 * Seeding an empty volume from image content: attributes preserved, symlinks copied as links and
 * never followed (also when resolving the mount path inside a rootfs), once only.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../engine/events.js';
import { VolumeService } from '../../engine/volumes/service.js';
import { resolveInRoot } from '../../engine/volumes/seed.js';

const isRoot = process.getuid?.() === 0;

let work: string;
let svc: VolumeService;

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-seed-'));
  svc = new VolumeService({ dataRoot: join(work, 'data'), events: new EventBus() });
  await svc.init();
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

/** An image-like rootfs with content at /app/data. */
function buildRootfs(): string {
  const root = join(work, 'rootfs');
  const src = join(root, 'app/data');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'config.txt'), 'hello');
  chmodSync(join(src, 'config.txt'), 0o640);
  writeFileSync(join(src, 'sub/script.sh'), '#!/bin/sh\n');
  chmodSync(join(src, 'sub/script.sh'), 0o4755);
  linkSync(join(src, 'config.txt'), join(src, 'sub/hardlink'));
  symlinkSync('/etc/passwd', join(src, 'abs-link'));
  symlinkSync('../../../outside', join(src, 'rel-link'));
  utimesSync(join(src, 'config.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  chmodSync(join(src, 'sub'), 0o750);
  chmodSync(src, 0o770);
  if (isRoot) {
    chownSync(join(src, 'config.txt'), 1000, 1001);
    chownSync(join(src, 'sub/script.sh'), 1000, 1001);
    chmodSync(join(src, 'sub/script.sh'), 0o4755); // chown cleared the set-uid bit
    chownSync(src, 123, 456);
    execFileSync('mkfifo', [join(src, 'pipe')]);
    execFileSync('setfattr', ['-n', 'user.origin', '-v', 'image', join(src, 'config.txt')]);
  }
  writeFileSync(join(work, 'outside'), 'not in the image');
  return root;
}

describe('seedFromImage', () => {
  it('copies content with modes, times, hard links and symlinks as links', async () => {
    const root = buildRootfs();
    const v = await svc.create({ name: 'seeded' });
    expect(await svc.seedFromImage('seeded', join(root, 'app/data'))).toBe(true);
    const dst = v.Mountpoint;
    expect(readFileSync(join(dst, 'config.txt'), 'utf8')).toBe('hello');
    expect(statSync(join(dst, 'config.txt')).mode & 0o7777).toBe(0o640);
    expect(statSync(join(dst, 'sub/script.sh')).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(dst, 'sub')).mode & 0o7777).toBe(0o750);
    expect(statSync(dst).mode & 0o7777).toBe(0o770);
    expect(statSync(join(dst, 'config.txt')).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(statSync(join(dst, 'sub/hardlink')).ino).toBe(statSync(join(dst, 'config.txt')).ino);
    expect(readlinkSync(join(dst, 'abs-link'))).toBe('/etc/passwd');
    expect(lstatSync(join(dst, 'abs-link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dst, 'rel-link'))).toBe('../../../outside');
    if (isRoot) {
      expect(statSync(join(dst, 'config.txt'))).toMatchObject({ uid: 1000, gid: 1001 });
      expect(statSync(dst)).toMatchObject({ uid: 123, gid: 456 });
      expect(lstatSync(join(dst, 'pipe')).isFIFO()).toBe(true);
      const attr = execFileSync('getfattr', ['--only-values', '-n', 'user.origin', join(dst, 'config.txt')]);
      expect(attr.toString()).toBe('image');
    }
  });

  it('copies only into an empty volume, and only once', async () => {
    const root = buildRootfs();
    const v = await svc.create({ name: 'once' });
    writeFileSync(join(v.Mountpoint, 'mine'), 'x');
    expect(await svc.seedFromImage('once', join(root, 'app/data'))).toBe(false);
    expect(readdirSync(v.Mountpoint)).toEqual(['mine']);
    rmSync(join(v.Mountpoint, 'mine'));
    expect(await svc.seedFromImage('once', join(root, 'app/data'))).toBe(true);
    for (const e of readdirSync(v.Mountpoint)) rmSync(join(v.Mountpoint, e), { recursive: true });
    expect(await svc.seedFromImage('once', join(root, 'app/data'))).toBe(false);
    // …also after a restart.
    const again = new VolumeService({ dataRoot: join(work, 'data'), events: new EventBus() });
    await again.init();
    expect(await again.seedFromImage('once', join(root, 'app/data'))).toBe(false);
    expect(readdirSync(v.Mountpoint)).toEqual([]);
  });

  it('does nothing for a missing path or a file', async () => {
    const root = buildRootfs();
    await svc.create({ name: 'nothing' });
    expect(await svc.seedFromImage('nothing', join(root, 'missing'))).toBe(false);
    expect(await svc.seedFromImage('nothing', join(root, 'app/data/config.txt'))).toBe(false);
    await expect(svc.seedFromImage('nope', root)).rejects.toMatchObject({ status: 404 });
  });

  it('resolves the mount path inside the rootfs without escaping it', async () => {
    const root = buildRootfs();
    // /link-to-data → /app/data (absolute, taken relative to the rootfs); /escape → ../../.. (clamped).
    symlinkSync('/app/data', join(root, 'link-to-data'));
    symlinkSync('../../../../..', join(root, 'escape'));
    expect(await resolveInRoot(root, '/link-to-data')).toBe(join(root, 'app/data'));
    expect(await resolveInRoot(root, '/escape/app/data')).toBe(join(root, 'app/data'));
    expect(await resolveInRoot(root, '/app/../../../etc')).toBe(join(root, 'etc'));
    const v = await svc.create({ name: 'vialink' });
    expect(await svc.seedFromImage('vialink', '/link-to-data', root)).toBe(true);
    expect(readFileSync(join(v.Mountpoint, 'config.txt'), 'utf8')).toBe('hello');
    // A path whose symlink points at the host's /etc resolves to the rootfs's (missing) /etc.
    symlinkSync('/etc', join(root, 'hostetc'));
    await svc.create({ name: 'noescape' });
    expect(await svc.seedFromImage('noescape', '/hostetc', root)).toBe(false);
    expect(existsSync(join(svc.mountpoint('noescape'), 'passwd'))).toBe(false);
  });
});
