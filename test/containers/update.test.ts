import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { setup, dockerOk, type Setup } from './helpers.js';

describe('docker update', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('applies new limits to a running container at once and records them', async () => {
    await dockerOk(s.eng, ['run', '-d', '--name', 'upd', '--memory', '64m', s.img, 'sleep', '100']);
    await dockerOk(s.eng, [
      'update',
      '--memory',
      '128m',
      '--memory-swap',
      '256m',
      '--pids-limit',
      '50',
      'upd',
    ]);
    const limit = await dockerOk(s.eng, [
      'exec',
      'upd',
      'cat',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes',
    ]);
    expect(limit.stdout.trim()).toBe(String(128 * 1024 * 1024));
    const pids = await dockerOk(s.eng, ['exec', 'upd', 'cat', '/sys/fs/cgroup/pids/pids.max']);
    expect(pids.stdout.trim()).toBe('50');
    const hc = await dockerOk(s.eng, [
      'inspect',
      '-f',
      '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}',
      'upd',
    ]);
    expect(hc.stdout.trim()).toBe(`${128 * 1024 * 1024} 50`);
    await dockerOk(s.eng, ['rm', '-f', 'upd']);
  });
});
