/**
 * A busybox bundle for runtime tests: a rootfs of /bin/busybox (busybox-static) with its applets
 * linked, and a minimal OCI config.json written here (independent of the engine's spec generator).
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** Builds `<dir>/rootfs` once per bundle (a copy: tests run several bundles in parallel). */
export async function makeBundle(dir: string, process: Record<string, unknown>, id: string): Promise<string> {
  const rootfs = join(dir, 'rootfs');
  await fsp.mkdir(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc', 'root'])
    await fsp.mkdir(join(rootfs, d), { recursive: true });
  await fsp.copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  await fsp.chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    if (a === 'busybox') continue;
    await fsp.symlink('busybox', join(rootfs, 'bin', a)).catch(() => undefined);
  }
  await fsp.writeFile(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeConfig(dir, process, id);
  return dir;
}

const CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_NET_BIND_SERVICE',
];

export async function writeConfig(dir: string, process: Record<string, unknown>, id: string): Promise<void> {
  const config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      noNewPrivileges: true,
      ...process,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: id.slice(0, 12),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      cgroupsPath: `/berth-test/${id}`,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      maskedPaths: ['/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  await fsp.writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}
