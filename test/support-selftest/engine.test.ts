import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startEngine, type TestEngine } from '../support/engine.js';

const fake = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/support-selftest/fake-engine.ts')];

describe('engine harness (against a stand-in engine)', () => {
  let eng: TestEngine;
  afterAll(() => eng?.stop());

  it('starts, answers /_ping, and passes the config file', async () => {
    eng = await startEngine({ command: fake, config: { 'insecure-registries': ['127.0.0.1:5000'] } });
    expect(eng.host).toBe(`unix://${eng.socket}`);
    const ping = await eng.request('GET', '/_ping');
    expect(ping.status).toBe(200);
    expect(ping.body.toString()).toBe('OK');
    expect((await eng.request('GET', '/config')).json()).toEqual({
      'insecure-registries': ['127.0.0.1:5000'],
    });
    expect((await eng.request('POST', '/echo', { a: 1 })).json()).toEqual({ a: 1 });
    expect(eng.logs()).toContain(`data-root ${eng.dataRoot}`);
  });

  it('runs the real docker CLI against the socket with an isolated config dir', async () => {
    const res = await eng.docker(['version', '--format', '{{.Server.Version}}']);
    expect(res).toMatchObject({ code: 0, stdout: 'fake-0.0.1\n' });
    const missing = await eng.docker(['image', 'inspect', 'nothing']);
    expect(missing.code).not.toBe(0);
    expect(existsSync(join(eng.dockerConfigDir, 'config.json'))).toBe(true);
  });

  it('kill() and restart() keep the data root', async () => {
    writeFileSync(join(eng.dataRoot, 'marker'), 'x');
    await eng.kill('SIGKILL');
    await expect(eng.request('GET', '/_ping')).rejects.toThrow();
    await eng.restart();
    expect((await eng.request('GET', '/_ping')).status).toBe(200);
    expect(existsSync(join(eng.dataRoot, 'marker'))).toBe(true);
  });

  it('stop() sends SIGTERM and removes its temp dirs', async () => {
    await eng.stop();
    expect(eng.logs()).toContain('fake engine: SIGTERM');
    expect(existsSync(eng.dataRoot)).toBe(false);
    expect(existsSync(eng.socket)).toBe(false);
  });
});

describe('engine harness (against the real berth engine)', () => {
  it('starts berth engine and the docker CLI talks to it', async () => {
    const real = await startEngine();
    try {
      expect((await real.request('GET', '/_ping')).body.toString()).toBe('OK');
      const res = await real.docker(['version', '--format', '{{.Server.APIVersion}}']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout.trim()).toMatch(/^1\.\d+$/);
    } finally {
      await real.stop();
    }
  });
});
