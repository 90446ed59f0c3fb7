import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileInRoot, resolveInRoot } from './rootfs-path.js';
import { resolveUser, resolveUserFrom } from './user.js';

const passwd =
  'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n';
const group = 'root:x:0:\nwheel:x:10:app,root\nstaff:x:50:app\napp:x:1000:\nnogroup:x:65534:\n';

describe('resolveUserFrom', () => {
  it.each([
    ['', { uid: 0, gid: 0, home: '/root', name: 'root', additionalGids: [10] }],
    ['app', { uid: 1000, gid: 1000, home: '/home/app', name: 'app', additionalGids: [10, 50] }],
    ['1000', { uid: 1000, gid: 1000, home: '/home/app', additionalGids: [10, 50] }],
    ['app:staff', { uid: 1000, gid: 50, additionalGids: [] }],
    ['4242', { uid: 4242, gid: 0, home: '/', name: '' }],
    ['4242:4343', { uid: 4242, gid: 4343 }],
    ['nobody:0', { uid: 65534, gid: 0 }],
  ])('%j', (spec, expected) => {
    expect(resolveUserFrom(spec, passwd, group)).toMatchObject(expected);
  });

  it('uses docker error texts for unknown names', () => {
    expect(() => resolveUserFrom('foo', passwd, group)).toThrow(
      'unable to find user foo: no matching entries in passwd file',
    );
    expect(() => resolveUserFrom('app:nope', passwd, group)).toThrow(
      'unable to find group nope: no matching entries in group file',
    );
    expect(() => resolveUserFrom('foo', undefined, undefined)).toThrow(/no matching entries in passwd file/);
  });

  it('adds GroupAdd by name or number', () => {
    expect(resolveUserFrom('nobody', passwd, group, ['staff', '777']).additionalGids).toEqual([50, 777]);
    expect(() => resolveUserFrom('', passwd, group, ['nope'])).toThrow(/Unable to find group nope/);
  });

  it('works without passwd for numeric users', () => {
    expect(resolveUserFrom('', undefined, undefined)).toEqual({
      uid: 0,
      gid: 0,
      additionalGids: [],
      home: '/',
      name: '',
    });
  });
});

describe('reading the rootfs safely', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-user-'));
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(dir, 'secret'), 'evil:x:0:0::/:/bin/sh\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves symlinks inside the root, never outside', async () => {
    symlinkSync('../../secret', path.join(root, 'etc/passwd'));
    expect(await resolveInRoot(root, '/etc/passwd')).toBe(path.join(root, 'secret'));
    expect(await readFileInRoot(root, '/etc/passwd')).toBeUndefined();
    rmSync(path.join(root, 'etc/passwd'));
    symlinkSync(path.join(dir, 'secret'), path.join(root, 'etc/passwd'));
    expect(await readFileInRoot(root, '/etc/passwd')).toBeUndefined();
  });

  it('follows in-root symlinks', async () => {
    rmSync(path.join(root, 'etc/passwd'));
    mkdirSync(path.join(root, 'real'));
    writeFileSync(path.join(root, 'real/passwd'), passwd);
    symlinkSync('/real/passwd', path.join(root, 'etc/passwd'));
    writeFileSync(path.join(root, 'etc/group'), group);
    expect(await resolveUser(root, '', 'app')).toMatchObject({ uid: 1000, home: '/home/app' });
    expect(await resolveUser(root, 'nobody', 'app')).toMatchObject({ uid: 65534 });
  });
});
