import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackLayer, type UnpackOptions } from './unpack.js';

type Entry = Partial<tar.Header> & { name: string; content?: Buffer | string };

const MTIME = new Date('2024-01-02T03:04:05Z');

/** Packs entries exactly as given (names are not sanitized, so hostile entries stay hostile). */
function pack(entries: Entry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = tar.pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => void chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
    for (const { content, ...h } of entries) {
      const header: Partial<tar.Header> & { name: string } = { mtime: MTIME, uid: 0, gid: 0, ...h };
      if (content !== undefined) p.entry(header, Buffer.from(content));
      else p.entry(header);
    }
    p.finalize();
  });
}

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

let tmp: string;
let n = 0;
/** A fresh `<tmp>/caseN/` holding an empty `dest/`, so anything written next to dest is visible. */
function freshCase(): { base: string; dest: string } {
  const base = path.join(tmp, `case${n++}`);
  const dest = path.join(base, 'dest');
  fs.mkdirSync(dest, { recursive: true });
  return { base, dest };
}

async function unpack(
  bytes: Buffer,
  opts?: UnpackOptions,
): Promise<{ base: string; dest: string; size: number }> {
  const { base, dest } = freshCase();
  const r = await unpackLayer(Readable.from([bytes]), dest, opts);
  expect(r.diffId).toBe(sha(bytes));
  return { base, dest, size: r.size };
}

/** Unpacks a hostile tar; returns the error, and checks that nothing was written next to dest. */
async function unpackHostile(entries: Entry[], opts?: UnpackOptions): Promise<{ err?: Error; dest: string }> {
  const { base, dest } = freshCase();
  let err: Error | undefined;
  try {
    await unpackLayer(Readable.from([await pack(entries)]), dest, opts);
  } catch (e) {
    err = e as Error;
  }
  expect(fs.readdirSync(base)).toEqual(['dest']);
  return { err, dest };
}

function getXattr(p: string, name: string): string | undefined {
  const r = spawnSync('getfattr', ['-h', '--absolute-names', '--only-values', '-n', name, p], {
    encoding: 'latin1',
  });
  return r.status === 0 ? r.stdout : undefined;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unpack-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('unpackLayer: entry types and metadata', () => {
  it('extracts files, dirs, symlinks, hard links, devices and fifos with their metadata', async () => {
    const bytes = await pack([
      { name: './', type: 'directory', mode: 0o755 },
      { name: 'etc/', type: 'directory', mode: 0o750, uid: 12, gid: 34 },
      { name: 'etc/hello.txt', content: 'hello world', mode: 0o640, uid: 1000, gid: 1001 },
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/su', content: 'suid', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'bin/wall', content: 'sgid', mode: 0o2755, uid: 1, gid: 5 },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
      { name: 'bin/link', type: 'symlink', linkname: '../etc/hello.txt', uid: 7, gid: 8 },
      { name: 'bin/dangling', type: 'symlink', linkname: '/nonexistent/abs' },
      { name: 'etc/hard', type: 'link', linkname: 'etc/hello.txt' },
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 },
      { name: 'run/fifo', type: 'fifo', mode: 0o600 },
      { name: 'implicit/parent/file', content: 'x' },
    ]);
    const { dest, size } = await unpack(bytes);
    const st = (p: string): fs.Stats => fs.lstatSync(path.join(dest, p));

    expect(fs.readFileSync(path.join(dest, 'etc/hello.txt'), 'utf8')).toBe('hello world');
    expect(st('etc/hello.txt').mode & 0o7777).toBe(0o640);
    expect([st('etc/hello.txt').uid, st('etc/hello.txt').gid]).toEqual([1000, 1001]);
    expect(st('etc/hello.txt').mtime.getTime()).toBe(MTIME.getTime());
    expect(st('etc').mode & 0o7777).toBe(0o750);
    expect([st('etc').uid, st('etc').gid]).toEqual([12, 34]);
    expect(st('etc').mtime.getTime()).toBe(MTIME.getTime()); // set after its children were created
    expect(st('bin/su').mode & 0o7777).toBe(0o4755);
    expect(st('bin/wall').mode & 0o7777).toBe(0o2755); // setgid survives the chown to gid 5
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect(st('bin/link').isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dest, 'bin/link'))).toBe('../etc/hello.txt');
    expect([st('bin/link').uid, st('bin/link').gid]).toEqual([7, 8]);
    expect(fs.readlinkSync(path.join(dest, 'bin/dangling'))).toBe('/nonexistent/abs');
    expect(st('etc/hard').ino).toBe(st('etc/hello.txt').ino);
    expect(st('dev/null').isCharacterDevice()).toBe(true);
    expect(st('dev/null').rdev).toBe((1 << 8) | 3);
    expect(st('dev/null').mode & 0o7777).toBe(0o666);
    expect(st('dev/loop0').isBlockDevice()).toBe(true);
    expect(st('run/fifo').isFIFO()).toBe(true);
    expect(st('run/fifo').mode & 0o7777).toBe(0o600);
    expect(st('implicit/parent').isDirectory()).toBe(true);
    // 11 + 4 + 4 + 1 bytes of files (the hard link counted once) + symlink target lengths.
    expect(size).toBe(11 + 4 + 4 + 1 + '../etc/hello.txt'.length + '/nonexistent/abs'.length);
  });

  it('handles long names (PAX) and long link targets', async () => {
    const long = 'd'.repeat(120) + '/' + 'f'.repeat(150);
    const target = '/' + 't'.repeat(200);
    const { dest } = await unpack(
      await pack([
        { name: long, content: 'deep' },
        { name: 's', type: 'symlink', linkname: target },
      ]),
    );
    expect(fs.readFileSync(path.join(dest, long), 'utf8')).toBe('deep');
    expect(fs.readlinkSync(path.join(dest, 's'))).toBe(target);
  });

  it('applies SCHILY.xattr records (binary security.capability) and skips overlay ones', async () => {
    // GNU tar writes real xattrs as PAX records, the way image builders do.
    const { base } = freshCase();
    const src = path.join(base, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'ping'), 'binary');
    execFileSync('setfattr', [
      '-n',
      'security.capability',
      '-v',
      '0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=',
      path.join(src, 'ping'),
    ]);
    execFileSync('setfattr', ['-n', 'user.note', '-v', '0sAP8A', path.join(src, 'ping')]);
    execFileSync('setfattr', ['-n', 'trusted.overlay.redirect', '-v', '/evil', path.join(src, 'ping')]);
    const bytes = execFileSync('tar', [
      '--xattrs',
      '--xattrs-include=*',
      '--owner=0',
      '--group=0',
      '-cf',
      '-',
      '-C',
      src,
      'ping',
    ]);
    const { dest } = await unpack(bytes);
    const hex = execFileSync(
      'getfattr',
      ['--absolute-names', '-e', 'hex', '-n', 'security.capability', path.join(dest, 'ping')],
      {
        encoding: 'utf8',
      },
    );
    expect(hex).toContain('security.capability=0x0100000200200000000000000000000000000000');
    expect(Buffer.from(getXattr(path.join(dest, 'ping'), 'user.note')!, 'latin1')).toEqual(
      Buffer.from([0, 0xff, 0]),
    );
    expect(getXattr(path.join(dest, 'ping'), 'trusted.overlay.redirect')).toBeUndefined();
  });

  it('lets later entries replace earlier ones, and merges a directory over a directory', async () => {
    const { dest } = await unpack(
      await pack([
        { name: 'a', content: 'first' },
        { name: 'a', content: 'second' },
        { name: 'd/', type: 'directory', mode: 0o700 },
        { name: 'd/keep', content: 'k' },
        { name: 'd/', type: 'directory', mode: 0o711 },
        { name: 'x/', type: 'directory' },
        { name: 'x/gone', content: 'g' },
        { name: 'x', content: 'now a file' },
        { name: 'l', type: 'symlink', linkname: 'a' },
        { name: 'l', content: 'file over symlink' },
      ]),
    );
    expect(fs.readFileSync(path.join(dest, 'a'), 'utf8')).toBe('second');
    expect(fs.readFileSync(path.join(dest, 'd/keep'), 'utf8')).toBe('k');
    expect(fs.statSync(path.join(dest, 'd')).mode & 0o7777).toBe(0o711);
    expect(fs.readFileSync(path.join(dest, 'x'), 'utf8')).toBe('now a file');
    expect(fs.lstatSync(path.join(dest, 'l')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dest, 'a'), 'utf8')).toBe('second'); // not written through the symlink
  });

  it('hashes every byte, including padding after the end-of-archive marker', async () => {
    const bytes = Buffer.concat([await pack([{ name: 'f', content: 'x' }]), Buffer.alloc(10240)]);
    const { dest } = freshCase();
    // Deliver in odd-sized chunks to exercise header reassembly.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 333) chunks.push(bytes.subarray(i, i + 333));
    const r = await unpackLayer(Readable.from(chunks), dest);
    expect(r.diffId).toBe(sha(bytes));
  });

  it('streams large files', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const { dest, size } = await unpack(await pack([{ name: 'big.bin', content: big }]));
    expect(fs.readFileSync(path.join(dest, 'big.bin')).equals(big)).toBe(true);
    expect(size).toBe(big.length);
  });

  it('honours applyOwnership: false', async () => {
    const { dest } = await unpack(await pack([{ name: 'f', content: 'x', uid: 1234, gid: 5678 }]), {
      applyOwnership: false,
    });
    expect(fs.statSync(path.join(dest, 'f')).uid).toBe(process.getuid!());
  });

  it('rejects when aborted', async () => {
    const { dest } = freshCase();
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(
      unpackLayer(Readable.from([await pack([{ name: 'f', content: 'x' }])]), dest, { signal: ac.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('unpackLayer: whiteouts in overlayfs form', () => {
  it('turns .wh. files into 0/0 character devices and .wh..wh..opq into the opaque xattr', async () => {
    const { dest, size } = await unpack(
      await pack([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/.wh.passwd', content: '' },
        { name: 'var/', type: 'directory' },
        { name: 'var/.wh..wh..opq', content: '' },
        { name: '.wh.gone-dir', content: '' },
        { name: '.wh..wh.plnk', type: 'directory' },
      ]),
    );
    const wh = fs.lstatSync(path.join(dest, 'etc/passwd'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(fs.lstatSync(path.join(dest, 'gone-dir')).isCharacterDevice()).toBe(true);
    expect(getXattr(path.join(dest, 'var'), 'trusted.overlay.opaque')).toBe('y');
    expect(fs.existsSync(path.join(dest, 'var/.wh..wh..opq'))).toBe(false);
    expect(fs.readdirSync(dest).sort()).toEqual(['etc', 'gone-dir', 'var']); // no template, no aufs dirs
    expect(size).toBe(0);
  });

  it('uses the user.* namespace for rootless overlay', async () => {
    const { dest } = await unpack(await pack([{ name: 'd/.wh..wh..opq', content: '' }]), {
      overlayXattrNamespace: 'user',
    });
    expect(getXattr(path.join(dest, 'd'), 'user.overlay.opaque')).toBe('y');
    expect(getXattr(path.join(dest, 'd'), 'trusted.overlay.opaque')).toBeUndefined();
  });

  it('hides lower files and directory contents in a real overlay mount', async () => {
    const lower = await unpack(
      await pack([
        { name: 'keep', content: 'kept' },
        { name: 'deleted', content: 'should be hidden' },
        { name: 'dir/', type: 'directory' },
        { name: 'dir/old', content: 'hidden by opaque' },
        { name: 'gonedir/', type: 'directory' },
        { name: 'gonedir/a', content: 'a' },
      ]),
    );
    const upper = await unpack(
      await pack([
        { name: '.wh.deleted', content: '' },
        { name: '.wh.gonedir', content: '' },
        { name: 'dir/', type: 'directory' },
        { name: 'dir/.wh..wh..opq', content: '' },
        { name: 'dir/new', content: 'new' },
      ]),
    );
    const mnt = path.join(upper.base, 'mnt');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper.dest}:${lower.dest}`, mnt]);
    try {
      expect(fs.readdirSync(mnt).sort()).toEqual(['dir', 'keep']);
      expect(fs.readFileSync(path.join(mnt, 'keep'), 'utf8')).toBe('kept');
      expect(fs.existsSync(path.join(mnt, 'deleted'))).toBe(false);
      expect(fs.readdirSync(path.join(mnt, 'dir'))).toEqual(['new']);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});

describe('unpackLayer: hostile layers stay inside dest', () => {
  it('rejects ../ escapes', async () => {
    for (const name of ['../x', 'a/../../x', './../x']) {
      const { err } = await unpackHostile([{ name, content: 'evil' }]);
      expect(err?.message).toMatch(/path escapes the layer root/);
    }
  });

  it('takes absolute names relative to dest', async () => {
    const { err, dest } = await unpackHostile([{ name: '/etc/passwd', content: 'root::0:0' }]);
    expect(err).toBeUndefined();
    expect(fs.readFileSync(path.join(dest, 'etc/passwd'), 'utf8')).toBe('root::0:0');
  });

  it('resolves parents through symlinks inside dest only', async () => {
    const cases: Array<{ entries: Entry[]; lands: string }> = [
      {
        entries: [
          { name: 'evil', type: 'symlink', linkname: '/' },
          { name: 'evil/etc/x', content: 'e' },
        ],
        lands: 'etc/x',
      },
      {
        entries: [
          { name: 'up', type: 'symlink', linkname: '../..' },
          { name: 'up/x', content: 'e' },
        ],
        lands: 'x',
      },
      {
        entries: [
          { name: 'a/', type: 'directory' },
          { name: 'a/b', type: 'symlink', linkname: '../../../../tmp' },
          { name: 'a/b/x', content: 'e' },
        ],
        lands: 'tmp/x',
      },
      {
        entries: [
          { name: 'l1', type: 'symlink', linkname: 'l2/..' },
          { name: 'l2', type: 'symlink', linkname: '/../../d' },
          { name: 'l1/x', content: 'e' },
        ],
        lands: 'x',
      },
    ];
    for (const c of cases) {
      const { err, dest } = await unpackHostile(c.entries);
      expect(err).toBeUndefined();
      expect(fs.readFileSync(path.join(dest, c.lands), 'utf8')).toBe('e');
    }
  });

  it('rejects symlink loops', async () => {
    const { err } = await unpackHostile([
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'a/x', content: 'e' },
    ]);
    expect(err?.message).toMatch(/too many levels of symbolic links/);
  });

  it('never writes through a symlink at the final component', async () => {
    const { err, dest } = await unpackHostile([
      { name: 'passwd', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'passwd', content: 'replaced' },
    ]);
    expect(err).toBeUndefined();
    expect(fs.lstatSync(path.join(dest, 'passwd')).isFile()).toBe(true);
  });

  it('rejects hard links outside dest or to missing targets', async () => {
    const before = fs.statSync('/etc/passwd').nlink;
    for (const linkname of ['/etc/passwd', '../outside', 'missing']) {
      const { err } = await unpackHostile([{ name: 'h', type: 'link', linkname }]);
      expect(err?.message).toMatch(/invalid tar entry "h": hard link target/);
    }
    expect(fs.statSync('/etc/passwd').nlink).toBe(before);
  });

  it('hard links through a symlinked parent resolve inside dest', async () => {
    const { err, dest } = await unpackHostile([
      { name: 'etc/passwd', content: 'inside' },
      { name: 'root', type: 'symlink', linkname: '/' },
      { name: 'h', type: 'link', linkname: 'root/etc/passwd' },
    ]);
    expect(err).toBeUndefined();
    expect(fs.readFileSync(path.join(dest, 'h'), 'utf8')).toBe('inside');
  });

  it('rejects device nodes when not allowed', async () => {
    const { err } = await unpackHostile(
      [{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }],
      {
        allowDevices: false,
      },
    );
    expect(err?.message).toMatch(/device nodes are not allowed/);
  });

  it('rejects NUL bytes in names', async () => {
    const { err } = await unpackHostile([{ name: 'ok', content: 'x', pax: { path: 'a\0b' } }]);
    expect(err?.message).toMatch(/NUL/);
  });

  it('rejects truncated archives and corrupt headers', async () => {
    const good = await pack([{ name: 'f', content: Buffer.alloc(4000, 1) }]);
    for (const bad of [good.subarray(0, 1000), good.subarray(0, 300)]) {
      const { dest } = freshCase();
      await expect(unpackLayer(Readable.from([bad]), dest)).rejects.toThrow(/truncated|unexpected end/);
    }
    const corrupt = Buffer.from(good);
    corrupt[10] = 0x41; // name byte: checksum no longer matches
    const { dest } = freshCase();
    await expect(unpackLayer(Readable.from([corrupt]), dest)).rejects.toThrow(/checksum/);
  });

  it('rejects absurd sizes', async () => {
    const good = await pack([{ name: 'f', content: 'x' }]);
    const hdr = Buffer.from(good.subarray(0, 512));
    hdr.write('77777777777\0', 124, 'latin1'); // 8 GiB of data that never comes
    hdr.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of hdr) sum += b;
    hdr.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    const { dest } = freshCase();
    await expect(unpackLayer(Readable.from([hdr, Buffer.alloc(1024)]), dest)).rejects.toThrow(
      /unexpected end/,
    );
  });
});
