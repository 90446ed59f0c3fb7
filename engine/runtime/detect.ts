/**
 * Finds the OCI runtime, conmon and the perl used by the attach relay.
 * crun is preferred; runc is used instead when crun cannot work here: crun refuses "hybrid" cgroups
 * (v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified) as soon as any controller is
 * enabled on the cgroup2 side, while runc copes.
 */
import { promises as fsp, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SystemError } from '../errors.js';

const EXTRA_DIRS = [
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/bin',
  '/sbin',
  '/usr/libexec/podman',
];

async function findBinary(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      await fsp.access(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** True when crun would fail with "cgroups in hybrid mode not supported". */
export async function crunBlockedByHybridCgroups(): Promise<boolean> {
  try {
    const controllers = await fsp.readFile('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8');
    const root = await fsp.readFile('/proc/self/mounts', 'utf8');
    const v1 = / \/sys\/fs\/cgroup\/\S+ cgroup /.test(root);
    return v1 && controllers.trim().length > 0;
  } catch {
    return false;
  }
}

export interface DetectedRuntime {
  runtimePath: string;
  conmonPath: string;
  perlPath: string;
}

/** Locates crun (else runc), conmon and perl; throws a SystemError naming the Debian packages. */
export async function detectRuntime(): Promise<DetectedRuntime> {
  const [crun, runc, conmon, perl] = await Promise.all(['crun', 'runc', 'conmon', 'perl'].map(findBinary));
  const crunUsable = crun && !(await crunBlockedByHybridCgroups());
  const runtimePath = crunUsable ? crun : (runc ?? crun);
  const missing: string[] = [];
  if (!runtimePath) missing.push('crun (or runc)');
  if (!conmon) missing.push('conmon');
  if (!perl) missing.push('perl-base');
  if (missing.length) {
    throw new SystemError(
      `cannot run containers: ${missing.join(', ')} not found; install the Debian package(s): apt-get install ${missing
        .map((m) => m.split(' ')[0])
        .join(' ')}`,
    );
  }
  return { runtimePath: runtimePath!, conmonPath: conmon!, perlPath: perl! };
}
