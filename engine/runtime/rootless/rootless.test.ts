import { describe, expect, it } from 'vitest';
import { mappingArgs, parseSubIds } from './subids.js';
import { idMapped, isIdentityMap, maxMappedId, parseIdMap } from './userns.js';
import { enterCommand } from './holder.js';

describe('subordinate IDs', () => {
  const file = [
    '# comment',
    'alice:100000:65536',
    'bob:165536:65536',
    '1001:300000:1000',
    'alice:500000:10',
    'broken:x:1',
    '',
  ].join('\n');

  it('takes every range of the user, by name or uid, in file order', () => {
    expect(parseSubIds(file, 'alice', 1000)).toEqual([
      { start: 100000, count: 65536 },
      { start: 500000, count: 10 },
    ]);
    expect(parseSubIds(file, 'carol', 1001)).toEqual([{ start: 300000, count: 1000 }]);
    expect(parseSubIds(file, 'broken', 5)).toEqual([]);
    expect(parseSubIds(file, 'nobody', 4)).toEqual([]);
  });

  it('maps the user to 0 and the ranges after it', () => {
    expect(
      mappingArgs(1000, [
        { start: 100000, count: 65536 },
        { start: 500000, count: 10 },
      ]),
    ).toEqual(['0', '1000', '1', '1', '100000', '65536', '65537', '500000', '10']);
  });
});

describe('user namespace facts', () => {
  it('parses uid_map and recognises the initial namespace', () => {
    const init = parseIdMap('         0          0 4294967295\n');
    expect(isIdentityMap(init)).toBe(true);
    const rootless = parseIdMap('         0       1001          1\n         1     100000      65536\n');
    expect(rootless).toEqual([
      { containerID: 0, hostID: 1001, size: 1 },
      { containerID: 1, hostID: 100000, size: 65536 },
    ]);
    expect(isIdentityMap(rootless)).toBe(false);
    expect(maxMappedId(rootless)).toBe(65536);
    expect(idMapped(rootless, 0)).toBe(true);
    expect(idMapped(rootless, 65536)).toBe(true);
    expect(idMapped(rootless, 65537)).toBe(false);
  });

  it('enters the holder as root of its namespaces, keeping the working directory', () => {
    const cmd = enterCommand({ nsenter: '/usr/bin/nsenter' }, 42, ['node', 'berth.js', 'engine']);
    expect(cmd.slice(0, 5)).toEqual([
      '/usr/bin/nsenter',
      '--user',
      '--mount',
      '--target=42',
      '--preserve-credentials',
    ]);
    expect(cmd).toContain(`--wd=${process.cwd()}`);
    expect(cmd.slice(-4)).toEqual(['--', 'node', 'berth.js', 'engine']);
  });
});
