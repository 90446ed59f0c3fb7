/**
 * Resolving `Config.User` the way dockerd does (moby/sys/user GetExecUser): `name`, `uid`,
 * `name:group`, `uid:gid`, looked up in the container's own /etc/passwd and /etc/group.
 */
import { InvalidArgumentError } from '../../errors.js';
import { readFileInRoot } from './rootfs-path.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups: those listing the user in /etc/group, then GroupAdd. */
  additionalGids: number[];
  /** From passwd; `/` when the user has no entry. */
  home: string;
  /** Empty when the user has no passwd entry. */
  name: string;
}

const isNumeric = (s: string) => /^\d+$/.test(s);

function lines(text: string | undefined): string[][] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4 && isNumeric(f[2] ?? '') && isNumeric(f[3] ?? ''))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '', shell: f[6] ?? '' }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3 && isNumeric(f[2] ?? ''))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** Resolves `userSpec` against passwd/group file contents (undefined = file missing). */
export function resolveUserFrom(
  userSpec: string,
  passwdText: string | undefined,
  groupText: string | undefined,
  groupAdd: readonly string[] = [],
): ResolvedUser {
  const [userArg = '', groupArg = ''] = splitOnce(userSpec.trim());
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const user: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: '/', name: '' };

  const wanted = userArg === '' ? '0' : userArg;
  const entry = isNumeric(wanted)
    ? passwd.find((p) => p.uid === Number(wanted))
    : passwd.find((p) => p.name === wanted);
  if (entry) {
    Object.assign(user, { uid: entry.uid, gid: entry.gid, home: entry.home || '/', name: entry.name });
  } else if (isNumeric(wanted)) {
    user.uid = Number(wanted);
  } else {
    throw new InvalidArgumentError(`unable to find user ${wanted}: no matching entries in passwd file`);
  }
  if (user.uid > 0x7fffffff) throw new InvalidArgumentError(`uid ${user.uid} is out of range`);

  if (groupArg !== '') {
    const g = groups.find((x) => x.name === groupArg) ?? (isNumeric(groupArg) ? undefined : null);
    if (g) user.gid = g.gid;
    else if (g === undefined) user.gid = Number(groupArg);
    else
      throw new InvalidArgumentError(`unable to find group ${groupArg}: no matching entries in group file`);
  } else if (user.name) {
    user.additionalGids = groups.filter((g) => g.members.includes(user.name)).map((g) => g.gid);
  }

  for (const add of groupAdd) {
    let gid: number | undefined = groups.find((g) => g.name === add)?.gid;
    if (gid === undefined && isNumeric(add)) gid = Number(add);
    if (gid === undefined)
      throw new InvalidArgumentError(`Unable to find group ${add}: no matching entries in group file`);
    if (!user.additionalGids.includes(gid)) user.additionalGids.push(gid);
  }
  return user;
}

function splitOnce(s: string): [string, string] {
  const i = s.indexOf(':');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Resolves the container user: `configUser` (HostConfig/Config.User), else the image's User, else
 * root, against `rootfs`/etc/passwd and /etc/group.
 */
export async function resolveUser(
  rootfs: string,
  configUser: string | undefined,
  imageUser?: string,
  groupAdd: readonly string[] = [],
): Promise<ResolvedUser> {
  const spec = configUser || imageUser || '';
  const [passwd, group] = await Promise.all([
    readFileInRoot(rootfs, '/etc/passwd'),
    readFileInRoot(rootfs, '/etc/group'),
  ]);
  return resolveUserFrom(spec, passwd, group, groupAdd);
}
