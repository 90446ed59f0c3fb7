import { describe, expect, it } from 'vitest';
import { containerMounts, defaultMounts, mergeTmpfsOptions, parseBind, userMountToOci } from './mounts.js';

const byDest = (ms: { destination: string }[]) => ms.map((m) => m.destination);

describe('mounts', () => {
  it('has the default kernel filesystems with a 64 MiB /dev/shm and read-only /sys', () => {
    const ms = defaultMounts();
    expect(byDest(ms)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/sys',
      '/sys/fs/cgroup',
      '/dev/mqueue',
      '/dev/shm',
    ]);
    expect(ms.find((m) => m.destination === '/dev/shm')!.options).toContain('size=67108864');
    expect(ms.find((m) => m.destination === '/sys')!.options).toContain('ro');
    expect(ms.find((m) => m.destination === '/sys/fs/cgroup')).toMatchObject({
      type: 'cgroup',
      options: expect.arrayContaining(['ro']),
    });
  });

  it('sizes /dev/shm, opens /sys for privileged, binds the host /dev/shm for ipc=host', () => {
    expect(defaultMounts({ shmSize: 1 << 20 }).find((m) => m.destination === '/dev/shm')!.options).toContain(
      'size=1048576',
    );
    expect(defaultMounts({ privileged: true }).find((m) => m.destination === '/sys')!.options).toContain(
      'rw',
    );
    expect(defaultMounts({ ipcMode: 'host' }).find((m) => m.destination === '/dev/shm')).toMatchObject({
      type: 'bind',
      source: '/dev/shm',
    });
    expect(byDest(defaultMounts({ ipcMode: 'none' }))).not.toContain('/dev/shm');
  });

  it.each([
    [
      ['noexec', 'nosuid', 'nodev', 'rprivate', 'exec', 'size=1m'],
      ['nosuid', 'nodev', 'rprivate', 'exec', 'size=1m'],
    ],
    [
      ['size=1m', 'mode=1777', 'size=2m'],
      ['mode=1777', 'size=2m'],
    ],
    [['rprivate', 'shared'], ['shared']],
  ])('merges tmpfs options %j', (input, expected) => {
    expect(mergeTmpfsOptions(input)).toEqual(expected);
  });

  it('converts user mounts', () => {
    expect(userMountToOci({ type: 'bind', source: '/h', target: '/c', readOnly: true })).toEqual({
      destination: '/c',
      type: 'bind',
      source: '/h',
      options: ['rbind', 'rprivate', 'ro'],
    });
    expect(
      userMountToOci({
        type: 'volume',
        source: '/v/_data',
        target: '/data/',
        nonRecursive: true,
        propagation: 'rslave',
      }),
    ).toEqual({
      destination: '/data',
      type: 'bind',
      source: '/v/_data',
      options: ['bind', 'rslave'],
    });
    expect(
      userMountToOci({ type: 'tmpfs', target: '/t', tmpfsOptions: { SizeBytes: 1 << 20, Mode: 0o700 } }),
    ).toEqual({
      destination: '/t',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1024k', 'mode=700'],
    });
  });

  it('rejects relative and root targets', () => {
    expect(() => userMountToOci({ type: 'bind', source: '/h', target: 'rel' })).toThrow(
      /mount path must be absolute/,
    );
    expect(() => userMountToOci({ type: 'bind', source: 'rel', target: '/c' })).toThrow(/must be absolute/);
    expect(() => userMountToOci({ type: 'bind', source: '/h', target: '/' })).toThrow(
      /destination can't be '\/'/,
    );
  });

  it('parses Binds', () => {
    expect(parseBind('/h:/c:ro,rshared')).toMatchObject({
      type: 'bind',
      source: '/h',
      target: '/c',
      readOnly: true,
      propagation: 'rshared',
    });
    expect(parseBind('myvol:/data:nocopy')).toMatchObject({
      type: 'volume',
      volumeName: 'myvol',
      target: '/data',
      nocopy: true,
    });
    expect(() => parseBind('/h')).toThrow(/invalid volume specification/);
    expect(() => parseBind('/h:/c:bogus')).toThrow('invalid mode: bogus');
  });

  it('orders parents first, adds /etc files, lets user mounts replace defaults', () => {
    const { mounts, rootfsPropagation } = containerMounts({
      mounts: [
        { type: 'bind', source: '/a', target: '/data/sub' },
        { type: 'bind', source: '/b', target: '/data', propagation: 'rshared' },
        { type: 'bind', source: '/s', target: '/dev/shm' },
      ],
      tmpfs: { '/run': 'size=1m' },
      hostsPath: '/x/hosts',
      resolvConfPath: '/x/resolv.conf',
      hostnamePath: '/x/hostname',
      readonlyRootfs: true,
    });
    const dests = byDest(mounts);
    expect(dests.filter((d) => d === '/dev/shm')).toHaveLength(1);
    expect(dests.indexOf('/data')).toBeLessThan(dests.indexOf('/data/sub'));
    expect(mounts.find((m) => m.destination === '/dev/shm')!.source).toBe('/s');
    expect(mounts.find((m) => m.destination === '/etc/hosts')).toEqual({
      destination: '/etc/hosts',
      type: 'bind',
      source: '/x/hosts',
      options: ['rbind', 'rprivate', 'ro'],
    });
    expect(rootfsPropagation).toBe('rshared');
  });

  it('a user mount over /dev drops the default /dev mounts; the user /etc/hosts wins', () => {
    const { mounts, rootfsPropagation } = containerMounts({
      mounts: [
        { type: 'bind', source: '/dev', target: '/dev' },
        { type: 'bind', source: '/mine', target: '/etc/hosts' },
      ],
      hostsPath: '/x/hosts',
    });
    expect(byDest(mounts).filter((d) => d.startsWith('/dev'))).toEqual(['/dev']);
    expect(mounts.filter((m) => m.destination === '/etc/hosts').map((m) => m.source)).toEqual(['/mine']);
    expect(rootfsPropagation).toBe('rprivate');
  });

  it('rejects duplicate mount points', () => {
    expect(() =>
      containerMounts({ mounts: [{ type: 'bind', source: '/a', target: '/x' }], tmpfs: { '/x': '' } }),
    ).toThrow('Duplicate mount point: /x');
  });
});
