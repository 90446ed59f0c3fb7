// Just enough of docker's reference grammar for the app: which registry a reference names (to pick
// its credentials) and how to split name, tag and digest for the Engine API's query parameters.

export interface ParsedRef {
  /** Registry host as written (`127.0.0.1:5000`), or `docker.io` when the name has none. */
  registry: string;
  /** The name without tag or digest, as written (`127.0.0.1:5000/app`, `busybox`). */
  name: string;
  tag?: string;
  digest?: string;
}

const HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);
/** The key the docker CLI keeps Docker Hub credentials under in config.json. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function parseRef(ref: string): ParsedRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return { registry: hasHost ? first : 'docker.io', name: rest, tag, digest };
}

/** `https://host:port/v1/` and Docker Hub's aliases reduced to `host:port` / `docker.io`. */
export function normalizeRegistry(addr: string): string {
  const host = addr
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/** The config.json key (and /auth serveraddress) for a registry: a URL for Docker Hub, else the host. */
export function registryKey(addr: string): string {
  const host = normalizeRegistry(addr);
  return host === 'docker.io' ? DOCKER_HUB_KEY : host;
}

/** Short image ids as docker prints them. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
