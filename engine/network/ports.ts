/**
 * Published ports: turns docker's `PortBindings` / `PublishAllPorts` + `ExposedPorts` into concrete
 * bindings (free ephemeral host ports picked for `-P` and `-p 80`), checks that each host port can be
 * bound on the host address asked for, renders pasta's `-t`/`-u` specs, and renders docker's `PortMap`.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { InvalidArgumentError, SystemError } from '../errors.js';

export type Proto = 'tcp' | 'udp';

/** One published port: host address and port → container port. */
export interface PortBinding {
  containerPort: number;
  proto: Proto;
  hostIp: string;
  hostPort: number;
}

/** Docker's `HostConfig.PortBindings`: `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`. */
export type DockerPortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null | undefined>;

export interface PortRequest {
  portBindings?: DockerPortBindings;
  publishAll?: boolean;
  /** `Config.ExposedPorts` keys (`80/tcp`): published on random ports when `publishAll`. */
  exposedPorts?: Iterable<string>;
}

/** Parses `80`, `80/tcp`, `53/udp`. SCTP is not supported by pasta. */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(key.trim());
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) throw new InvalidArgumentError(`invalid port specification: "${key}"`);
  const proto = (m[2] ?? 'tcp').toLowerCase();
  if (proto === 'sctp')
    throw new InvalidArgumentError('sctp ports are not supported by user-mode networking');
  return { port, proto: proto as Proto };
}

function normalizeHostIp(ip: string | undefined, fallback: string): string {
  const v = (ip ?? '').trim().replace(/^\[(.*)\]$/, '$1');
  return v === '' ? fallback : v;
}

/** Binds `hostIp:port` (port 0 = let the kernel pick) briefly and returns the port bound. */
export function probePort(proto: Proto, hostIp: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (proto === 'tcp') {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen({ host: hostIp, port, exclusive: true }, () => {
        const addr = srv.address();
        const bound = typeof addr === 'object' && addr ? addr.port : port;
        srv.close(() => resolve(bound));
      });
    } else {
      const sock = createSocket(hostIp.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', reject);
      sock.bind({ address: hostIp, port, exclusive: true }, () => {
        const bound = sock.address().port;
        sock.close(() => resolve(bound));
      });
    }
  });
}

function portInUse(b: { hostIp: string; hostPort: number }): SystemError {
  return new SystemError(`Bind for ${b.hostIp}:${b.hostPort} failed: port is already allocated`);
}

/**
 * Resolves a request into concrete bindings. Explicit host ports are checked to be free; empty host
 * ports (and every exposed port with `publishAll`) get a free ephemeral port.
 */
export async function resolvePorts(req: PortRequest, defaultHostIp = '0.0.0.0'): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  const seen = new Set<string>();
  const add = async (
    containerPort: number,
    proto: Proto,
    hostIpRaw: string | undefined,
    hostPortRaw: string | undefined,
  ) => {
    const hostIp = normalizeHostIp(hostIpRaw, defaultHostIp);
    const hp = (hostPortRaw ?? '').trim();
    if (hp.includes('-'))
      throw new InvalidArgumentError(`host port ranges must be expanded by the client: ${hp}`);
    let hostPort = hp === '' ? 0 : Number(hp);
    if (!Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535)
      throw new InvalidArgumentError(`invalid host port: ${hp}`);
    if (hostPort !== 0) {
      const key = `${proto}/${hostIp}/${hostPort}`;
      if (seen.has(key)) throw portInUse({ hostIp, hostPort });
      seen.add(key);
    }
    try {
      hostPort = await probePort(proto, hostIp, hostPort);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw portInUse({ hostIp, hostPort });
      if (code === 'EADDRNOTAVAIL')
        throw new InvalidArgumentError(
          `Bind for ${hostIp}:${hostPort} failed: cannot assign requested address`,
        );
      // Rootless: the engine binds host ports as the user (what rootless dockerd says, too).
      if (code === 'EACCES')
        throw new InvalidArgumentError(
          `Bind for ${hostIp}:${hostPort} failed: permission denied; publishing a port below ` +
            `net.ipv4.ip_unprivileged_port_start (1024 by default) needs root, or on the host: ` +
            `sysctl net.ipv4.ip_unprivileged_port_start=${hostPort}`,
        );
      throw err;
    }
    seen.add(`${proto}/${hostIp}/${hostPort}`);
    out.push({ containerPort, proto, hostIp, hostPort });
  };
  const explicit = new Set<string>();
  for (const [key, list] of Object.entries(req.portBindings ?? {})) {
    const { port, proto } = parsePortKey(key);
    explicit.add(`${port}/${proto}`);
    const entries = list && list.length > 0 ? list : [{}];
    for (const e of entries) await add(port, proto, e.HostIp, e.HostPort);
  }
  if (req.publishAll) {
    for (const key of req.exposedPorts ?? []) {
      const { port, proto } = parsePortKey(key);
      if (!explicit.has(`${port}/${proto}`)) await add(port, proto, undefined, undefined);
    }
  }
  return out;
}

/** pasta arguments forwarding every binding: `-t 127.0.0.1/8080:80`; `none` where nothing is published. */
export function pastaPortArgs(bindings: readonly PortBinding[]): string[] {
  const spec = (b: PortBinding) => {
    const addr = b.hostIp === '0.0.0.0' || b.hostIp === '::' ? '' : `${b.hostIp}/`;
    return `${addr}${b.hostPort}:${b.containerPort}`;
  };
  const args: string[] = [];
  for (const proto of ['tcp', 'udp'] as const) {
    const flag = proto === 'tcp' ? '-t' : '-u';
    const mine = bindings.filter((b) => b.proto === proto);
    if (mine.length === 0) args.push(flag, 'none');
    for (const b of mine) args.push(flag, spec(b));
  }
  // Never forward ports from the namespace back to the host.
  args.push('-T', 'none', '-U', 'none');
  return args;
}

export type DockerPortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

/** Docker's `NetworkSettings.Ports`: exposed-but-unpublished ports map to null. */
export function dockerPortMap(
  bindings: readonly PortBinding[],
  exposed: Iterable<string> = [],
): DockerPortMap {
  const map: DockerPortMap = {};
  for (const key of exposed) {
    const { port, proto } = parsePortKey(key);
    map[`${port}/${proto}`] = null;
  }
  for (const b of bindings) {
    const key = `${b.containerPort}/${b.proto}`;
    (map[key] ??= []).push({ HostIp: b.hostIp, HostPort: String(b.hostPort) });
  }
  return map;
}
