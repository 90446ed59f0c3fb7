/**
 * IPv4 address management for networks: subnets as (base, prefix) pairs, the default pools dockerd
 * uses (172.17/16 for `bridge`, then 172.18–31/16, then 192.168.x/20 for user-defined networks), and
 * the lowest-free-address allocation inside a subnet. Pure functions over numbers.
 */
import { InvalidArgumentError } from '../errors.js';

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new InvalidArgumentError(`invalid IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255)
      throw new InvalidArgumentError(`invalid IPv4 address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; the host bits are cleared (dockerd rejects them, we are lenient). */
export function parseSubnet(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 30 || Number(m[2]) < 8)
    throw new InvalidArgumentError(`invalid subnet ${cidr}: only IPv4 subnets from /8 to /30 are supported`);
  const prefix = Number(m[2]);
  return { base: (ipToInt(m[1]!) & maskOf(prefix)) >>> 0, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return (ip & maskOf(s.prefix)) >>> 0 === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & maskOf(p)) >>> 0 === (b.base & maskOf(p)) >>> 0;
}

/** The first usable host address: dockerd's default gateway. */
export function firstHost(s: Subnet): number {
  return s.base + 1;
}

function broadcast(s: Subnet): number {
  return (s.base | (~maskOf(s.prefix) >>> 0)) >>> 0;
}

/** The lowest address of `s` that is neither the network, broadcast, gateway nor in `used`. */
export function allocateAddress(s: Subnet, gateway: number, used: ReadonlySet<number>): number {
  for (let ip = s.base + 1; ip < broadcast(s); ip++) {
    if (ip !== gateway && !used.has(ip)) return ip;
  }
  throw new InvalidArgumentError(
    `no available IPv4 addresses on this network's address pools: ${formatSubnet(s)}`,
  );
}

/** Checks a requested static address: inside the subnet, not reserved, not taken. */
export function checkAddress(s: Subnet, gateway: number, used: ReadonlySet<number>, ip: number): void {
  if (!contains(s, ip) || ip === s.base || ip === broadcast(s))
    throw new InvalidArgumentError(`no configured subnet contains IP address ${intToIp(ip)}`);
  if (ip === gateway || used.has(ip)) throw new InvalidArgumentError(`Address already in use`);
}

export const DEFAULT_BRIDGE_SUBNET = '172.17.0.0/16';

/** Candidate subnets for user-defined networks, in dockerd's order. */
export function* defaultPool(): Generator<Subnet> {
  for (let b = 18; b <= 31; b++) yield { base: ipToInt(`172.${b}.0.0`), prefix: 16 };
  for (let c = 0; c < 256; c += 16) yield { base: ipToInt(`192.168.${c}.0`), prefix: 20 };
}

/** The next pool subnet that overlaps none of `taken`. */
export function nextFreeSubnet(taken: readonly Subnet[]): Subnet {
  for (const s of defaultPool()) if (!taken.some((t) => overlaps(t, s))) return s;
  throw new InvalidArgumentError(
    'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
  );
}

/** Docker-style MAC derived from the address: 02:42 followed by the four address bytes. */
export function macFor(ip: number): string {
  const bytes = [0x02, 0x42, ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
