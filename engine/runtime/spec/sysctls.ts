/** `--sysctl` validation (only namespaced keys are allowed) and dockerd's default sysctls. */
import { InvalidArgumentError } from '../../errors.js';

const IPC_KEYS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

export interface SysctlContext {
  hostNetwork: boolean;
  hostIpc: boolean;
  hostUts: boolean;
  /** Add dockerd's defaults for a private network namespace. */
  defaults: boolean;
  /** Highest gid ping_group_range may name (in a user namespace only mapped gids are valid). */
  pingGroupMax?: number;
}

export function containerSysctls(
  user: Readonly<Record<string, string>> | null | undefined,
  ctx: SysctlContext,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (ctx.defaults && !ctx.hostNetwork) {
    // dockerd lets unprivileged processes bind low ports and ping inside their own netns.
    out['net.ipv4.ip_unprivileged_port_start'] = '0';
    out['net.ipv4.ping_group_range'] = `0 ${Math.min(ctx.pingGroupMax ?? 2147483647, 2147483647)}`;
  }
  for (const [key, value] of Object.entries(user ?? {})) {
    if (IPC_KEYS.has(key) || key.startsWith('fs.mqueue.')) {
      if (ctx.hostIpc)
        throw new InvalidArgumentError(
          `sysctl ${JSON.stringify(key)} is not allowed in the host's IPC namespace`,
        );
    } else if (key === 'kernel.domainname' || key === 'kernel.hostname') {
      if (ctx.hostUts)
        throw new InvalidArgumentError(
          `sysctl ${JSON.stringify(key)} is not allowed in the host's UTS namespace`,
        );
    } else if (key.startsWith('net.')) {
      if (ctx.hostNetwork) {
        throw new InvalidArgumentError(
          `sysctl ${JSON.stringify(key)} is not allowed in the hosts network namespace`,
        );
      }
    } else {
      throw new InvalidArgumentError(`sysctl ${JSON.stringify(key)} is not in a separate kernel namespace`);
    }
    out[key] = value;
  }
  return out;
}
