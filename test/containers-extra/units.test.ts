/** The pure parts: ps output parsing, Go file modes, and diff computation over real overlay-form dirs. */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePs } from '../../engine/containers/top.js';
import { goFileMode } from '../../engine/containers/archive.js';
import { containerChanges } from '../../engine/containers/changes.js';

const root = mkdtempSync(join(tmpdir(), 'berth-units-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parsePs', () => {
  it('keeps the rows of the given PIDs, with the command (spaces and all) as the last column', () => {
    const out = 'UID PID PPID CMD\nroot 1 0 sh -c sleep 1\nroot 7 1 sleep 1\nroot 9 1 other\n';
    expect(parsePs(out, new Set([1, 7]))).toEqual({
      Titles: ['UID', 'PID', 'PPID', 'CMD'],
      Processes: [
        ['root', '1', '0', 'sh -c sleep 1'],
        ['root', '7', '1', 'sleep 1'],
      ],
    });
    expect(() => parsePs('UID CMD\nroot x\n', new Set([1]))).toThrow(/Couldn't find PID field/);
  });
});

describe('goFileMode', () => {
  it('maps directories, symlinks and permission bits to Go os.FileMode', () => {
    mkdirSync(join(root, 'd'), { mode: 0o755 });
    symlinkSync('d', join(root, 'l'));
    expect(goFileMode(lstatSync(join(root, 'd')))).toBe(2 ** 31 + 0o755);
    expect(goFileMode(lstatSync(join(root, 'l')))).toBe(2 ** 27 + 0o777);
    expect(goFileMode(lstatSync('/tmp'))).toBe(2 ** 31 + 2 ** 20 + 0o777);
  });
});

describe('containerChanges', () => {
  it('classifies upper entries against the image layers (whiteouts, opaque dirs, ignored mount points)', async () => {
    const lower = join(root, 'lower');
    const upper = join(root, 'upper');
    for (const d of ['etc', 'var/lib/x', 'opq']) mkdirSync(join(lower, d), { recursive: true });
    writeFileSync(join(lower, 'etc/passwd'), 'a');
    writeFileSync(join(lower, 'etc/gone'), 'a');
    writeFileSync(join(lower, 'opq/old'), 'a');
    for (const d of ['etc', 'new', 'opq', 'proc']) mkdirSync(join(upper, d), { recursive: true });
    writeFileSync(join(upper, 'etc/passwd'), 'b');
    writeFileSync(join(upper, 'etc/hosts'), '');
    writeFileSync(join(upper, 'new/file'), 'c');
    writeFileSync(join(upper, 'opq/fresh'), 'd');
    execFileSync('mknod', [join(upper, 'etc/gone'), 'c', '0', '0']);
    execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', join(upper, 'opq')]);
    const changes = await containerChanges(upper, [lower], ['/proc', '/etc/hosts']);
    expect(changes).toEqual([
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/gone', Kind: 2 },
      { Path: '/etc/passwd', Kind: 0 },
      { Path: '/new', Kind: 1 },
      { Path: '/new/file', Kind: 1 },
      { Path: '/opq', Kind: 0 },
      { Path: '/opq/fresh', Kind: 1 },
      { Path: '/opq/old', Kind: 2 },
    ]);
  });
});
