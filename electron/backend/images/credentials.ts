// Registry credentials, kept where the docker CLI keeps them: `$DOCKER_CONFIG/config.json` (default
// ~/.docker), `auths[host].auth` = base64(user:password), or a credential helper when config.json names
// one (`credHelpers[host]`, then `credsStore`). We read and write the file like `docker login` does and
// leave every other key alone, so `docker` and Berth share their logins.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RegistryLogin } from '../../contract/images.js';
import { HandlerError } from '../errors.js';
import { normalizeRegistry, registryKey } from './reference.js';

export interface Credentials {
  username: string;
  password?: string;
  identityToken?: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [other: string]: unknown;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [other: string]: unknown;
}

const HELPER_TIMEOUT_MS = 10_000;

/** Read on every call, so tests (and users) can point DOCKER_CONFIG elsewhere at any time. */
export function dockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || join(homedir(), '.docker');
}

function configPath(): string {
  return join(dockerConfigDir(), 'config.json');
}

async function load(): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(configPath(), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  if (!text.trim()) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ConfigFile) : {};
  } catch {
    // Never overwrite a file we cannot read: the user's other settings live there too.
    throw new HandlerError(`${configPath()} is not valid JSON; fix or remove it first`, 500, 'internal');
  }
}

/** Replaces config.json atomically, private to the user, as the docker CLI does. */
async function save(cfg: ConfigFile): Promise<void> {
  const dir = dockerConfigDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `config.json.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, JSON.stringify(cfg, null, '\t') + '\n', { mode: 0o600 });
  await rename(tmp, configPath());
}

function findKey<T>(map: Record<string, T> | undefined, registry: string): string | undefined {
  if (!map) return undefined;
  const key = registryKey(registry);
  if (Object.hasOwn(map, key)) return key;
  const want = normalizeRegistry(registry);
  return Object.keys(map).find((k) => normalizeRegistry(k) === want);
}

function helperFor(cfg: ConfigFile, registry: string): string | undefined {
  const k = findKey(cfg.credHelpers, registry);
  return (k ? cfg.credHelpers![k] : undefined) || cfg.credsStore || undefined;
}

/** Runs `docker-credential-<helper> <action>` with `input` on stdin and returns its stdout. */
function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    return Promise.reject(new HandlerError(`invalid credential helper name ${helper}`, 500, 'internal'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(`docker-credential-${helper}`, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new HandlerError(`credential helper docker-credential-${helper}: ${e.message}`, 500, 'internal'),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(Object.assign(new Error(out.trim() || `exit status ${code}`), { helperExit: code }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function decodeBasic(b64: string): { username: string; password: string } | undefined {
  const s = Buffer.from(b64, 'base64').toString('utf8');
  const i = s.indexOf(':');
  return i < 0 ? undefined : { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** The saved credentials for a registry, or undefined. */
export async function getCredentials(registry: string): Promise<Credentials | undefined> {
  const cfg = await load();
  const helper = helperFor(cfg, registry);
  if (helper) {
    try {
      const v = JSON.parse(await runHelper(helper, 'get', registryKey(registry))) as {
        Username?: string;
        Secret?: string;
      };
      if (v.Username === '<token>') return { username: '', identityToken: v.Secret ?? '' };
      if (v.Username || v.Secret) return { username: v.Username ?? '', password: v.Secret ?? '' };
    } catch (err) {
      // "credentials not found" is the helper protocol's way of saying none; fall back to the file.
      if (!(err as { helperExit?: number }).helperExit) throw err;
    }
  }
  const k = findKey(cfg.auths, registry);
  const entry = k ? cfg.auths![k] : undefined;
  if (!entry) return undefined;
  const basic = entry.auth ? decodeBasic(entry.auth) : undefined;
  if (entry.identitytoken) {
    return { username: basic?.username ?? entry.username ?? '', identityToken: entry.identitytoken };
  }
  if (basic) return basic;
  if (entry.username) return { username: entry.username, password: entry.password ?? '' };
  return undefined;
}

/** Saves credentials the way `docker login` does; returns where they went. */
export async function saveCredentials(registry: string, creds: Credentials): Promise<RegistryLogin['store']> {
  const cfg = await load();
  const key = findKey(cfg.auths, registry) ?? registryKey(registry);
  const helper = helperFor(cfg, registry);
  if (helper) {
    const secret = creds.identityToken ?? creds.password ?? '';
    const username = creds.identityToken ? '<token>' : creds.username;
    await runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: secret }));
    // docker login leaves an empty entry in auths so the registry shows up in `docker info` and here.
    cfg.auths = { ...cfg.auths, [key]: {} };
    await save(cfg);
    return `helper:${helper}`;
  }
  const entry: AuthEntry = {
    auth: Buffer.from(`${creds.username}:${creds.identityToken ? '' : (creds.password ?? '')}`).toString(
      'base64',
    ),
  };
  if (creds.identityToken) entry.identitytoken = creds.identityToken;
  cfg.auths = { ...cfg.auths, [key]: entry };
  await save(cfg);
  return 'file';
}

export async function removeCredentials(registry: string): Promise<void> {
  const cfg = await load();
  const helper = helperFor(cfg, registry);
  if (helper) {
    await runHelper(helper, 'erase', registryKey(registry)).catch(() => undefined);
  }
  const k = findKey(cfg.auths, registry);
  if (!k) return;
  delete cfg.auths![k];
  await save(cfg);
}

/** Registries with saved logins, without their secrets. */
export async function listLogins(): Promise<RegistryLogin[]> {
  const cfg = await load();
  const out: RegistryLogin[] = [];
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    const registry = normalizeRegistry(key);
    const helper = helperFor(cfg, registry);
    let username = entry.username ?? (entry.auth ? (decodeBasic(entry.auth)?.username ?? '') : '');
    if (helper && !username) {
      username = (await getCredentials(registry).catch(() => undefined))?.username ?? '';
    }
    out.push({ registry, username, store: helper ? `helper:${helper}` : 'file' });
  }
  return out.sort((a, b) => a.registry.localeCompare(b.registry));
}

/** The X-Registry-Auth body for a registry (dockerode encodes it). */
export function authConfig(registry: string, creds: Credentials): Record<string, string> {
  const serveraddress = registryKey(registry);
  if (creds.identityToken) return { identitytoken: creds.identityToken, serveraddress };
  return { username: creds.username, password: creds.password ?? '', serveraddress };
}
