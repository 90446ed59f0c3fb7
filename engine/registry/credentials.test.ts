import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCKER_HUB_SERVER,
  DockerConfigCredentials,
  credentialKey,
  credentialsFromAuthConfig,
  decodeRegistryAuthHeader,
  normalizeServerAddress,
} from './credentials.js';

let dir: string;
let binDir: string;
let oldPath: string | undefined;

function writeConfig(name: string, cfg: object): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'config.json'), JSON.stringify(cfg));
  return d;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
  binDir = join(dir, 'bin');
  mkdirSync(binDir);
  // A real credential helper speaking the docker-credential protocol: server URL on stdin.
  const helper = `#!/bin/sh
[ "$1" = get ] || exit 2
read -r url
echo "$url" >> "${dir}/helper.log"
case "$url" in
  127.0.0.1:5000) echo '{"ServerURL":"127.0.0.1:5000","Username":"helper-user","Secret":"helper-pass"}' ;;
  ${DOCKER_HUB_SERVER}) echo '{"ServerURL":"hub","Username":"<token>","Secret":"refresh-123"}' ;;
  broken.example.com) echo 'garbage'; exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;
  writeFileSync(join(binDir, 'docker-credential-test'), helper);
  chmodSync(join(binDir, 'docker-credential-test'), 0o755);
  oldPath = process.env.PATH;
  process.env.PATH = `${binDir}:${oldPath}`;
});

afterAll(() => {
  process.env.PATH = oldPath;
  rmSync(dir, { recursive: true, force: true });
});

describe('server addresses', () => {
  it('normalizes', () => {
    expect(normalizeServerAddress('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeServerAddress('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeServerAddress('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(credentialKey('docker.io')).toBe(DOCKER_HUB_SERVER);
    expect(credentialKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });
});

describe('AuthConfig', () => {
  it('decodes X-Registry-Auth and turns it into credentials', () => {
    const header = Buffer.from(JSON.stringify({ username: 'u', password: 'p', serveraddress: 'x' })).toString(
      'base64url',
    );
    expect(decodeRegistryAuthHeader(header)).toEqual({ username: 'u', password: 'p', serveraddress: 'x' });
    expect(decodeRegistryAuthHeader('!!!')).toBeUndefined();
    expect(decodeRegistryAuthHeader(undefined)).toBeUndefined();
    expect(credentialsFromAuthConfig({ username: 'u', password: 'p' })).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(credentialsFromAuthConfig({ auth: b64('a:b:c') })).toEqual({ username: 'a', password: 'b:c' });
    expect(credentialsFromAuthConfig({ identitytoken: 'tok', username: 'u' })).toEqual({
      identityToken: 'tok',
      username: 'u',
    });
    expect(credentialsFromAuthConfig({ registrytoken: 'rt' })).toEqual({ registryToken: 'rt' });
    expect(credentialsFromAuthConfig({})).toBeUndefined();
    expect(credentialsFromAuthConfig(undefined)).toBeUndefined();
  });
});

describe('docker config.json', () => {
  it('reads auths entries by host, normalizing keys', async () => {
    const d = writeConfig('auths', {
      auths: {
        'http://127.0.0.1:5000/v1/': { auth: b64('alice:secret') },
        [DOCKER_HUB_SERVER]: { auth: b64('bob:pw') },
        'tok.example.com': { auth: b64('carol:'), identitytoken: 'id-tok' },
      },
    });
    const store = new DockerConfigCredentials(d);
    expect(await store.get('127.0.0.1:5000')).toEqual({ username: 'alice', password: 'secret' });
    expect(await store.get('docker.io')).toEqual({ username: 'bob', password: 'pw' });
    expect(await store.get('tok.example.com')).toEqual({ identityToken: 'id-tok', username: 'carol' });
    expect(await store.get('other:1')).toBeUndefined();
  });

  it('is empty without a config file', async () => {
    expect(await new DockerConfigCredentials(join(dir, 'missing')).get('docker.io')).toBeUndefined();
  });

  it('runs credHelpers[host] before anything else', async () => {
    const d = writeConfig('helpers', {
      credHelpers: { '127.0.0.1:5000': 'test' },
      auths: { '127.0.0.1:5000': { auth: b64('file:user') } },
    });
    const store = new DockerConfigCredentials(d);
    expect(await store.get('127.0.0.1:5000')).toEqual({ username: 'helper-user', password: 'helper-pass' });
  });

  it('uses credsStore with the Hub’s server URL, and <token> as an identity token', async () => {
    const d = writeConfig('store', { credsStore: 'test', auths: { 'fallback:1': { auth: b64('f:f') } } });
    const store = new DockerConfigCredentials(d);
    expect(await store.get('docker.io')).toEqual({ identityToken: 'refresh-123' });
    // not found in the store → the file's auths
    expect(await store.get('fallback:1')).toEqual({ username: 'f', password: 'f' });
    expect(await store.get('nothing:1')).toBeUndefined();
    await expect(store.get('broken.example.com')).rejects.toThrow(/error getting credentials/);
  });

  it('reports a missing helper program', async () => {
    const d = writeConfig('nohelper', { credsStore: 'does-not-exist-berth' });
    await expect(new DockerConfigCredentials(d).get('docker.io')).rejects.toThrow(
      /error getting credentials/,
    );
  });
});
