/**
 * /etc/hosts for containers: the usual localhost lines, the container's own name, and on user-defined
 * networks one line per peer (name and aliases), which is how containers on the same network resolve
 * each other by name. The file is rewritten in place (same inode) so a bind mount of it sees updates.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface HostsEntry {
  ip: string;
  names: string[];
}

const BASE = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export function renderHosts(entries: readonly HostsEntry[], extraHosts: readonly string[] = []): string {
  const lines = [...BASE];
  // `--add-host name:ip` (docker's ExtraHosts), written before the container's own entries as dockerd does.
  for (const h of extraHosts) {
    const i = h.indexOf(':');
    if (i > 0) lines.push(`${h.slice(i + 1).replace(/^\[(.*)\]$/, '$1')}\t${h.slice(0, i)}`);
  }
  for (const e of entries) if (e.names.length > 0) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Truncates and rewrites `path` without replacing the inode. */
export async function writeHostsInPlace(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { flag: 'w', mode: 0o644 });
}
