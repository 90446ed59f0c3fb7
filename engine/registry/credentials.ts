/**
 * Registry credentials: the decoded X-Registry-Auth of a request, then the docker CLI's config.json
 * (`credHelpers[host]`, `credsStore`, then `auths[host]`), as the docker CLI looks them up.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The decoded X-Registry-Auth header / POST /auth body. */
export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64(`user:password`) */
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (from `docker login` against a token server). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}

/** The key the docker CLI stores Docker Hub credentials under. */
export const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/** Reduces `https://host:port/v1/` and friends to `host:port`; Docker Hub names to `docker.io`. */
export function normalizeServerAddress(addr: string): string {
  let s = addr.trim();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  s = s.split('/')[0];
  s = s.toLowerCase();
  return HUB_HOSTS.has(s) ? 'docker.io' : s;
}

/** The server URL/key the docker CLI uses for a registry host (Docker Hub's is a URL). */
export function credentialKey(host: string): string {
  return normalizeServerAddress(host) === 'docker.io' ? DOCKER_HUB_SERVER : host;
}

function decodeBasic(b64: string): { username: string; password: string } | undefined {
  const s = Buffer.from(b64, 'base64').toString('utf8');
  const i = s.indexOf(':');
  if (i < 0) return undefined;
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** Decodes an X-Registry-Auth header (base64url JSON). Returns undefined when absent or malformed. */
export function decodeRegistryAuthHeader(header: string | undefined): AuthConfig | undefined {
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as AuthConfig) : undefined;
  } catch {
    return undefined;
  }
}

/** Turns an AuthConfig into credentials; undefined when it carries none. */
export function credentialsFromAuthConfig(a: AuthConfig | undefined): Credentials | undefined {
  if (!a) return undefined;
  if (a.registrytoken) return { registryToken: a.registrytoken };
  if (a.identitytoken) return { identityToken: a.identitytoken, username: a.username };
  if (a.username || a.password) return { username: a.username ?? '', password: a.password ?? '' };
  if (a.auth) return decodeBasic(a.auth);
  return undefined;
}

interface DockerConfigFile {
  auths?: Record<
    string,
    { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function defaultDockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/** Runs `docker-credential-<helper> get` with the server URL on stdin. */
export function runCredentialHelper(
  helper: string,
  serverUrl: string,
  timeoutMs = 10_000,
): Promise<Credentials | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`credential helper docker-credential-${helper} timed out`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`error getting credentials - err: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = (out || err).trim();
      if (code !== 0) {
        // "credentials not found in native keychain" is the protocol's not-found answer.
        if (/credentials not found/i.test(text)) return resolve(undefined);
        return reject(new Error(`error getting credentials - err: exit status ${code}, out: \`${text}\``));
      }
      try {
        const v = JSON.parse(out) as { Username?: string; Secret?: string };
        if (!v.Secret && !v.Username) return resolve(undefined);
        if (v.Username === '<token>') return resolve({ identityToken: v.Secret ?? '' });
        resolve({ username: v.Username ?? '', password: v.Secret ?? '' });
      } catch {
        reject(new Error(`error getting credentials - invalid output from docker-credential-${helper}`));
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(serverUrl);
  });
}

/** Reads credentials for a registry host from a docker config directory (re-read on each call). */
export class DockerConfigCredentials {
  constructor(private readonly configDir: string = defaultDockerConfigDir()) {}

  private async load(): Promise<DockerConfigFile | undefined> {
    try {
      return JSON.parse(await readFile(join(this.configDir, 'config.json'), 'utf8')) as DockerConfigFile;
    } catch {
      return undefined;
    }
  }

  /** Looks up `host` (e.g. `127.0.0.1:5000`, `docker.io`). Undefined when nothing is stored. */
  async get(host: string): Promise<Credentials | undefined> {
    const cfg = await this.load();
    if (!cfg) return undefined;
    const want = normalizeServerAddress(host);
    const key = credentialKey(host);
    const helpers = cfg.credHelpers ?? {};
    const helperName =
      helpers[key] ?? Object.entries(helpers).find(([k]) => normalizeServerAddress(k) === want)?.[1];
    if (helperName) return runCredentialHelper(helperName, key);
    if (cfg.credsStore) {
      const c = await runCredentialHelper(cfg.credsStore, key);
      if (c) return c;
    }
    const auths = cfg.auths ?? {};
    const entry = auths[key] ?? Object.entries(auths).find(([k]) => normalizeServerAddress(k) === want)?.[1];
    if (!entry) return undefined;
    if (entry.registrytoken) return { registryToken: entry.registrytoken };
    const basic = entry.auth ? decodeBasic(entry.auth) : undefined;
    if (entry.identitytoken)
      return { identityToken: entry.identitytoken, username: basic?.username ?? entry.username };
    if (basic) return basic;
    if (entry.username) return { username: entry.username, password: entry.password ?? '' };
    return undefined;
  }
}
