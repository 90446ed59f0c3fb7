/**
 * Linux capabilities as Docker grants them: a fixed default set, adjusted by HostConfig.CapAdd /
 * CapDrop, or every capability the kernel knows for a privileged container.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../errors.js';
import type { OciCapabilities } from './types.js';

/** Every capability in kernel order (index = capability number, 0 … 40 as of Linux 5.9). */
export const KNOWN_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Docker's default set (moby oci/caps), in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

let cachedAll: string[] | undefined;

/** Our own bounding set (from /proc/self/status), or undefined when unreadable. */
export function ownBoundingSet(statusText?: string): bigint | undefined {
  try {
    const text = statusText ?? readFileSync('/proc/self/status', 'utf8');
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(text);
    return m ? BigInt(`0x${m[1]}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The capabilities a privileged container gets: those this kernel supports (cap_last_cap) and
 * that we hold in our bounding set (a runtime cannot grant more than it has).
 */
export function allCapabilities(): string[] {
  if (!cachedAll) {
    let last = KNOWN_CAPABILITIES.length - 1;
    try {
      const n = Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
      if (Number.isInteger(n) && n >= 0) last = Math.min(n, last);
    } catch {
      // not Linux, or /proc unavailable: assume the kernel knows them all
    }
    const bounding = ownBoundingSet();
    cachedAll = KNOWN_CAPABILITIES.slice(0, last + 1).filter(
      (_, i) => bounding === undefined || (bounding >> BigInt(i)) & 1n,
    );
  }
  return [...cachedAll];
}

/**
 * Upper-cases names and adds the `CAP_` prefix; `ALL` stays `ALL`. Unknown names are rejected with
 * dockerd's message.
 */
export function normalizeCapabilities(names: readonly string[] | null | undefined): string[] {
  const out: string[] = [];
  for (const raw of names ?? []) {
    let c = raw.trim().toUpperCase();
    if (c === 'ALL') {
      out.push(c);
      continue;
    }
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!KNOWN_CAPABILITIES.includes(c))
      throw new InvalidArgumentError(`unknown capability: ${JSON.stringify(c)}`);
    out.push(c);
  }
  return out;
}

export interface CapabilityOptions {
  capAdd?: readonly string[] | null;
  capDrop?: readonly string[] | null;
  privileged?: boolean;
}

/** The container's capability list after Docker's CapAdd/CapDrop rules. */
export function containerCapabilities(opts: CapabilityOptions): string[] {
  if (opts.privileged) return allCapabilities();
  const drop = normalizeCapabilities(opts.capDrop);
  const add = normalizeCapabilities(opts.capAdd);
  const known = allCapabilities();
  let caps: string[];
  if (add.includes('ALL')) {
    caps = known.filter((c) => !drop.includes(c));
  } else if (drop.includes('ALL')) {
    caps = add;
  } else {
    caps = DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)).concat(add);
  }
  return [...new Set(caps)];
}

/**
 * The OCI capability sets for a process. Like dockerd, a non-root user gets only the bounding set
 * (effective/permitted empty, matching what execve would give it); nothing is inheritable.
 */
export function processCapabilities(caps: readonly string[], uid: number): OciCapabilities {
  if (uid === 0) return { bounding: [...caps], effective: [...caps], permitted: [...caps] };
  return { bounding: [...caps], effective: [], permitted: [] };
}
