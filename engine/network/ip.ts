/**
 * Thin wrappers over iproute2 (`ip`) for named network namespaces (bind-mounted files, so they outlive
 * the engine), bridges and veth pairs. Every call targets a namespace, so nothing is ever created in
 * the host's own network namespace.
 *
 * Two ways to keep the namespaces:
 * - as root, `ip netns` under /run/netns (`ip -n NAME …`);
 * - rootless, bind mounts the engine makes itself in a directory it owns (`unshare --net=FILE`), and
 *   commands run through `nsenter --net=FILE ip …`: /run/netns belongs to the real root, and `ip -n`
 *   only takes names under it. iproute2 takes a path (anything with a `/`) wherever it takes a
 *   namespace name as an argument (`link add … netns PATH`).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SystemError } from '../errors.js';

export const NETNS_DIR = '/run/netns';

/** Runs a command (with `input` on stdin); failures become a SystemError carrying its own message. */
function exec(cmd: string, args: readonly string[], what: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args as string[], { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new SystemError(`${what}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    // The command may exit before reading stdin (an error, or no batch): a broken pipe is not our failure.
    child.stdin?.on('error', () => undefined);
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

/** Runs `ip …` in the engine's own namespace. */
export function ip(args: readonly string[], input?: string): Promise<string> {
  return exec('ip', args, `ip ${args.join(' ')}`, input);
}

export interface VethSpec {
  hub: string;
  hubIfname: string;
  netns: string;
  ifname: string;
  mac: string;
  cidr: string;
}

/** Named network namespaces in one directory, and the `ip` operations on them. */
export class Netns {
  /** Rootless: our own bind mounts and nsenter rather than `ip netns` and `ip -n`. */
  private readonly own: boolean;
  private nsfsDev: number | undefined;

  constructor(readonly dir: string = NETNS_DIR) {
    this.own = dir !== NETNS_DIR;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Whether the namespace is there (for our own mounts: the file is a live nsfs bind mount). */
  exists(name: string): boolean {
    if (!this.own) return existsSync(this.path(name));
    try {
      this.nsfsDev ??= statSync('/proc/self/ns/net').dev;
      return statSync(this.path(name)).dev === this.nsfsDev;
    } catch {
      return false;
    }
  }

  /** Names in the directory (live or not). */
  list(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  /** Runs `ip …` inside the namespace. */
  ipIn(name: string, args: readonly string[], input?: string): Promise<string> {
    const what = `ip -n ${name} ${args.join(' ')}`;
    if (!this.own) return exec('ip', ['-n', name, ...args], what, input);
    return exec('nsenter', [`--net=${this.path(name)}`, 'ip', ...args], what, input);
  }

  /** Runs several commands inside one namespace with a single `ip -batch` (each `ip` exec costs ms). */
  batch(name: string, commands: readonly string[][]): Promise<string> {
    return this.ipIn(name, ['-batch', '-'], commands.map((c) => c.join(' ')).join('\n') + '\n');
  }

  /** Creates a named namespace (loopback still down); idempotent. */
  async addBare(name: string): Promise<void> {
    if (this.exists(name)) return;
    if (!this.own) {
      await ip(['netns', 'add', name]);
      return;
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.path(name);
    await writeFile(file, '', { mode: 0o600 });
    await exec('unshare', [`--net=${file}`, 'true'], `creating network namespace ${name}`);
  }

  /** Creates a named namespace with loopback up (idempotent). */
  async add(name: string): Promise<void> {
    await this.addBare(name);
    await this.ipIn(name, ['link', 'set', 'lo', 'up']);
  }

  /** Deletes a named namespace; missing is fine. Its veth ends vanish once no process holds it. */
  async del(name: string): Promise<void> {
    if (!this.own) {
      if (!this.exists(name)) return;
      try {
        await ip(['netns', 'del', name]);
      } catch (err) {
        if (this.exists(name)) throw err;
      }
      return;
    }
    const file = this.path(name);
    if (this.exists(name)) {
      await exec('umount', [file], `removing network namespace ${name}`).catch(async (err: unknown) => {
        await exec('umount', ['-l', file], `removing network namespace ${name}`).catch(() => {
          throw err;
        });
      });
    }
    await rm(file, { force: true });
  }

  /** A namespace holding one bridge (`br0`), standing in for a host bridge. */
  async ensureHub(name: string): Promise<void> {
    await this.add(name);
    const links = await this.ipIn(name, ['-o', 'link', 'show']);
    if (!/\d+: br0[:@]/.test(links)) await this.ipIn(name, ['link', 'add', 'br0', 'type', 'bridge']);
    await this.ipIn(name, ['link', 'set', 'br0', 'up']);
  }

  /** Creates a veth pair: one end on the hub's bridge, the other in the container namespace. */
  async addVeth(v: VethSpec): Promise<void> {
    const peerNs = this.own ? this.path(v.netns) : v.netns;
    await this.ipIn(v.hub, [
      'link',
      'add',
      v.hubIfname,
      'type',
      'veth',
      'peer',
      'name',
      v.ifname,
      'netns',
      peerNs,
    ]);
    await this.ipIn(v.hub, ['link', 'set', v.hubIfname, 'master', 'br0', 'up']);
    await this.batch(v.netns, [
      ['link', 'set', v.ifname, 'address', v.mac],
      ['addr', 'add', v.cidr, 'dev', v.ifname],
      ['link', 'set', v.ifname, 'up'],
    ]);
  }

  /** Removes a veth pair by its hub end (deleting one end deletes both). */
  async delVeth(hub: string, hubIfname: string): Promise<void> {
    if (!this.exists(hub)) return;
    await this.ipIn(hub, ['link', 'del', hubIfname]).catch(() => undefined);
  }

  /** Interface names inside a namespace. */
  async linkNames(name: string): Promise<string[]> {
    const out = await this.ipIn(name, ['-o', 'link', 'show']);
    return out
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((x): x is string => !!x);
  }
}
