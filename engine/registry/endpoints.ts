/**
 * Which base URLs serve a registry host: Docker Hub mirrors then the origin for docker.io,
 * HTTPS by default, HTTPS-then-HTTP for insecure registries (loopback is always insecure, like dockerd).
 */
import { isIP } from 'node:net';

export interface RegistryConfig {
  /** Docker Hub mirrors ("registry-mirrors"), e.g. `http://127.0.0.1:5001`, tried in order before the origin. */
  mirrors: string[];
  /** `host:port`, `host` or CIDR: plain HTTP allowed and TLS verification skipped. */
  insecureRegistries: string[];
  /** Per-registry certificates like docker's certs.d: `<certsDir>/<host:port>/ca.crt`, `client.cert`/`client.key`. */
  certsDir?: string;
  /** Where config.json lives (default $DOCKER_CONFIG or ~/.docker). */
  dockerConfigDir?: string;
  userAgent?: string;
  /** Abort and resume a blob download when no byte arrives for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** Resume attempts without progress before a blob download fails (default 5). */
  blobRetries?: number;
  /** Docker Hub's origin registry (default https://registry-1.docker.io); tests point it at a local registry. */
  hubOrigin?: string;
}

/** One candidate base URL for a registry. */
export interface Endpoint {
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000` (no trailing slash; may carry a path prefix for mirrors). */
  base: string;
  /** `host[:port]` used for certs.d and credential lookup. */
  host: string;
  /** Skip TLS verification. */
  insecure: boolean;
  mirror: boolean;
}

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_ORIGIN = 'https://registry-1.docker.io';

/** Splits `host:port` / `[v6]:port` into hostname and port. */
export function splitHostPort(host: string): { hostname: string; port?: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (m) return { hostname: m[1], port: m[2] };
  const i = host.lastIndexOf(':');
  if (i > 0 && host.indexOf(':') === i) return { hostname: host.slice(0, i), port: host.slice(i + 1) };
  return { hostname: host };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => (acc << 8) + Number(p), 0) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    s = s.slice(0, -v4[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** True when `ip` lies in `cidr` (IPv4 or IPv6). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [net, bitsStr] = cidr.split('/');
  const fam = isIP(ip);
  if (fam === 0 || fam !== isIP(net)) return false;
  const bits = Number(bitsStr);
  if (fam === 4) {
    if (!(bits >= 0 && bits <= 32)) return false;
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net) & mask);
  }
  if (!(bits >= 0 && bits <= 128)) return false;
  const mask = bits === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - bits)) - 1n);
  return (ipv6ToBigInt(ip) & mask) === (ipv6ToBigInt(net) & mask);
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return ipInCidr(h, '127.0.0.0/8');
  if (isIP(h) === 6) return ipv6ToBigInt(h) === 1n;
  return false;
}

/** dockerd's rule: loopback, a listed `host[:port]`, or an IP inside a listed CIDR. */
export function isInsecureHost(host: string, insecureRegistries: string[]): boolean {
  const { hostname } = splitHostPort(host);
  if (isLoopback(hostname)) return true;
  for (const entry of insecureRegistries) {
    const e = entry.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    if (e.includes('/')) {
      if (isIP(hostname) && ipInCidr(hostname, e)) return true;
    } else if (e.toLowerCase() === host.toLowerCase() || e.toLowerCase() === hostname.toLowerCase()) {
      return true;
    }
  }
  return false;
}

/** Parses a mirror URL (scheme optional, https assumed) into an endpoint. */
export function mirrorEndpoint(mirror: string, insecureRegistries: string[]): Endpoint {
  const url = new URL(/^[a-z]+:\/\//i.test(mirror) ? mirror : `https://${mirror}`);
  const base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { base, host: url.host, insecure: isInsecureHost(url.host, insecureRegistries), mirror: true };
}

/**
 * Candidate endpoints for a registry domain. `usesMirrors` is false for push (docker pushes to the
 * origin only). For insecure hosts both schemes are listed, HTTPS first.
 */
export function endpointsFor(domain: string, config: RegistryConfig, usesMirrors: boolean): Endpoint[] {
  if (domain === DOCKER_HUB_DOMAIN) {
    const out: Endpoint[] = usesMirrors
      ? config.mirrors.map((m) => mirrorEndpoint(m, config.insecureRegistries))
      : [];
    if (config.hubOrigin) {
      const o = mirrorEndpoint(config.hubOrigin, config.insecureRegistries);
      out.push({ ...o, host: DOCKER_HUB_DOMAIN, mirror: false });
    } else {
      out.push({ base: DOCKER_HUB_ORIGIN, host: DOCKER_HUB_DOMAIN, insecure: false, mirror: false });
    }
    return out;
  }
  const insecure = isInsecureHost(domain, config.insecureRegistries);
  const https: Endpoint = { base: `https://${domain}`, host: domain, insecure, mirror: false };
  if (!insecure) return [https];
  return [https, { base: `http://${domain}`, host: domain, insecure, mirror: false }];
}
