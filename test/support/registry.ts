/**
 * Starts Debian's real `docker-registry` (distribution v2.8) on 127.0.0.1 for tests: filesystem
 * storage in a temp dir, deletes enabled, logs to a file, optionally with Basic auth (htpasswd),
 * token auth (our token server) and/or TLS (a self-signed cert for 127.0.0.1).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from './http.js';
import { freePort, run, spawnTracked, stopProcess } from './processes.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export interface TestRegistry {
  host: string; // '127.0.0.1:PORT'
  url: string; // 'http://127.0.0.1:PORT' or https
  username?: string;
  password?: string;
  caCertPath?: string;
  storageDir: string;
  /** The registry's log (stdout+stderr), for debugging. */
  logPath: string;
  /** Present for token auth: the realm and every token request seen. */
  token?: TokenServer;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: 'none' | 'basic' | 'token';
  tls?: boolean;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';

// Keys are made once per test process: RSA for token signing, EC for TLS (fast to generate).
let keysPromise:
  Promise<{ dir: string; tokenKey: string; tokenCert: string; tlsKey: string; tlsCert: string }> | undefined;

function keys() {
  keysPromise ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-test-keys-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const tokenKey = join(dir, 'token.key');
    const tokenCert = join(dir, 'token.crt');
    const tlsKey = join(dir, 'tls.key');
    const tlsCert = join(dir, 'tls.crt');
    await Promise.all([
      run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        tokenKey,
        '-out',
        tokenCert,
        '-days',
        '3650',
        '-subj',
        '/CN=berth-test-token-issuer',
      ]),
      run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        tlsKey,
        '-out',
        tlsCert,
        '-days',
        '3650',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ]),
    ]);
    return { dir, tokenKey, tokenCert, tlsKey, tlsCert };
  })();
  return keysPromise;
}

function configYaml(p: {
  port: number;
  storageDir: string;
  auth: string;
  tls?: { cert: string; key: string };
}): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${p.storageDir}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${p.port}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (p.tls) lines.push('  tls:', `    certificate: ${p.tls.cert}`, `    key: ${p.tls.key}`);
  lines.push('health:', '  storagedriver:', '    enabled: false');
  return lines.join('\n') + '\n' + p.auth;
}

async function waitReady(
  url: string,
  ca: string | undefined,
  isDead: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const dead = isDead();
    if (dead) throw new Error(dead);
    try {
      const res = await httpRequest(`${url}/v2/`, { ca, timeoutMs: 1000 });
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not answer /v2/ within 10s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Temp dirs of registries not yet stopped, removed at exit if a test forgot stop().
const liveDirs = new Set<string>();
let exitHooked = false;

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-registry-'));
  liveDirs.add(dir);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  const storageDir = join(dir, 'storage');
  const logPath = join(dir, 'registry.log');
  const k = auth === 'token' || opts.tls ? await keys() : undefined;

  let username: string | undefined;
  let password: string | undefined;
  let token: TokenServer | undefined;
  let authYaml = '';
  if (auth !== 'none') {
    username = 'berth-test';
    password = randomBytes(9).toString('base64url');
  }
  if (auth === 'basic') {
    const { stdout } = await run('htpasswd', ['-Bbn', username!, password!]);
    writeFileSync(join(dir, 'htpasswd'), stdout);
    authYaml = [
      'auth:',
      '  htpasswd:',
      '    realm: berth-test-realm',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n');
  } else if (auth === 'token') {
    token = await startTokenServer({
      keyPem: readFileSync(k!.tokenKey, 'utf8'),
      certPem: readFileSync(k!.tokenCert, 'utf8'),
      service: 'berth-test-registry',
      issuer: 'berth-test-issuer',
      username: username!,
      password: password!,
    });
    authYaml = [
      'auth:',
      '  token:',
      `    realm: ${token.realm}`,
      `    service: ${token.service}`,
      `    issuer: ${token.issuer}`,
      `    rootcertbundle: ${k!.tokenCert}`,
      '',
    ].join('\n');
  }

  const scheme = opts.tls ? 'https' : 'http';
  const ca = opts.tls ? readFileSync(k!.tlsCert, 'utf8') : undefined;
  // A freed port can be taken before the registry binds it; retry on an early exit.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'config.yml');
    writeFileSync(
      configPath,
      configYaml({
        port,
        storageDir,
        auth: authYaml,
        tls: opts.tls ? { cert: k!.tlsCert, key: k!.tlsKey } : undefined,
      }),
    );
    const logFd = openSync(logPath, 'a');
    const child = spawnTracked(REGISTRY_BIN, ['serve', configPath], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    let exitInfo: string | undefined;
    child.once(
      'exit',
      (code, signal) => (exitInfo = `docker-registry exited (${code ?? signal}); see ${logPath}`),
    );
    child.once('error', (e) => (exitInfo = `docker-registry failed to start: ${e.message}`));
    const url = `${scheme}://127.0.0.1:${port}`;
    try {
      await waitReady(url, ca, () => exitInfo);
    } catch (e) {
      await stopProcess(child, 'SIGKILL');
      if (attempt < 3 && exitInfo) continue;
      await token?.stop();
      liveDirs.delete(dir);
      throw new Error(`${(e as Error).message}\n${readFileSync(logPath, 'utf8').slice(-2000)}`, { cause: e });
    }
    let stopped = false;
    return {
      host: `127.0.0.1:${port}`,
      url,
      username,
      password,
      caCertPath: opts.tls ? k!.tlsCert : undefined,
      storageDir,
      logPath,
      token,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopProcess(child, 'SIGTERM', 2000);
        await token?.stop();
        rmSync(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
      },
    };
  }
}

/** Path of a blob's data file inside the registry's filesystem storage. */
export function blobDataPath(reg: TestRegistry, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}
