/**
 * Thin wrappers over iproute2 (`ip`) for named network namespaces (under /run/netns, so they outlive
 * the engine), bridges and veth pairs. Every call targets a namespace with `-n`, so nothing is ever
 * created in the host's own network namespace.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SystemError } from '../errors.js';

export const NETNS_DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** Runs `ip …` (with `input` on stdin); failures become a SystemError carrying ip's own message. */
export function ip(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', args as string[], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new SystemError(`ip ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    // `ip` may exit before reading stdin (an error, or no batch): a broken pipe is not our failure.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

/** Runs several commands inside one namespace with a single `ip -batch` (each `ip` exec costs ms). */
export function ipBatch(netns: string, commands: readonly string[][]): Promise<string> {
  return ip(['-n', netns, '-batch', '-'], commands.map((c) => c.join(' ')).join('\n') + '\n');
}

/** Creates a named namespace with loopback up (idempotent). */
export async function addNetns(name: string): Promise<void> {
  if (!netnsExists(name)) await ip(['netns', 'add', name]);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Creates a named namespace (loopback still down). */
export async function addBareNetns(name: string): Promise<void> {
  if (!netnsExists(name)) await ip(['netns', 'add', name]);
}

/** Deletes a named namespace; missing is fine. Its veth ends vanish once no process holds it. */
export async function delNetns(name: string): Promise<void> {
  if (!netnsExists(name)) return;
  try {
    await ip(['netns', 'del', name]);
  } catch (err) {
    if (netnsExists(name)) throw err;
  }
}

/** A namespace holding one bridge (`br0`), standing in for a host bridge. */
export async function ensureHub(name: string): Promise<void> {
  await addNetns(name);
  const links = await ip(['-n', name, '-o', 'link', 'show']);
  if (!/\d+: br0[:@]/.test(links)) await ip(['-n', name, 'link', 'add', 'br0', 'type', 'bridge']);
  await ip(['-n', name, 'link', 'set', 'br0', 'up']);
}

export interface VethSpec {
  hub: string;
  hubIfname: string;
  netns: string;
  ifname: string;
  mac: string;
  cidr: string;
}

/** Creates a veth pair: one end on the hub's bridge, the other in the container namespace. */
export async function addVeth(v: VethSpec): Promise<void> {
  await ip([
    '-n',
    v.hub,
    'link',
    'add',
    v.hubIfname,
    'type',
    'veth',
    'peer',
    'name',
    v.ifname,
    'netns',
    v.netns,
  ]);
  await ip(['-n', v.hub, 'link', 'set', v.hubIfname, 'master', 'br0', 'up']);
  await ip(['-n', v.netns, 'link', 'set', v.ifname, 'address', v.mac]);
  await ip(['-n', v.netns, 'addr', 'add', v.cidr, 'dev', v.ifname]);
  await ip(['-n', v.netns, 'link', 'set', v.ifname, 'up']);
}

/** Removes a veth pair by its hub end (deleting one end deletes both). */
export async function delVeth(hub: string, hubIfname: string): Promise<void> {
  if (!netnsExists(hub)) return;
  await ip(['-n', hub, 'link', 'del', hubIfname]).catch(() => undefined);
}

/** Interface names inside a namespace. */
export async function linkNames(netns: string): Promise<string[]> {
  const out = await ip(['-n', netns, '-o', 'link', 'show']);
  return out
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
}
