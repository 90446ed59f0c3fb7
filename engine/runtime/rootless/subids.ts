/** Subordinate ID ranges (/etc/subuid, /etc/subgid) and the user namespace mappings built from them. */
import { readFileSync } from 'node:fs';

export interface IdRange {
  start: number;
  count: number;
}

/** The ranges `/etc/subuid`-format `text` grants to the user (by name or numeric ID), in file order. */
export function parseSubIds(text: string, user: string, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [owner, start, count] = line.split(':');
    if (owner !== user && owner !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && s >= 0 && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

export function readSubIds(file: string, user: string, id: number): IdRange[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return parseSubIds(text, user, id);
}

/**
 * The `newuidmap`/`newgidmap` argument triples (namespace ID, host ID, count): namespace 0 is the user,
 * 1… are the subordinate ranges one after another (podman's and rootlesskit's layout).
 */
export function mappingArgs(id: number, ranges: readonly IdRange[]): string[] {
  const args = ['0', String(id), '1'];
  let next = 1;
  for (const r of ranges) {
    args.push(String(next), String(r.start), String(r.count));
    next += r.count;
  }
  return args;
}
