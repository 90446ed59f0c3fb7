/** Adjustments a rootless engine makes to its own mount namespace (never visible on the host). */
import { execFile } from 'node:child_process';
import { crunBlockedByHybridCgroups } from '../detect.js';

/**
 * On a "hybrid" cgroup host crun refuses to create containers while a cgroup2 hierarchy with
 * controllers is mounted at /sys/fs/cgroup/unified. Rootless containers get no cgroups anyway, so the
 * engine covers that mount with an empty read-only tmpfs in its mount namespace, once: crun, conmon
 * and every container started from here then see a plain cgroup v1 host. (The mount came from the
 * host's namespace and is locked: it can be covered but not unmounted.)
 */
export async function hideHybridCgroup2(): Promise<void> {
  if (!(await crunBlockedByHybridCgroups())) return;
  await new Promise<void>((resolve, reject) => {
    execFile(
      'mount',
      ['-t', 'tmpfs', '-o', 'ro,nosuid,nodev,noexec,size=4k', 'tmpfs', '/sys/fs/cgroup/unified'],
      (err, _out, stderr) =>
        err ? reject(new Error(`cannot hide the cgroup2 mount: ${stderr || err}`)) : resolve(),
    );
  });
}
