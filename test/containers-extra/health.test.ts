/** Health checks with the real docker CLI: healthy, unhealthy, ps status, the health filter, events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, setup, until, type Setup } from './helpers.js';

let s: Setup;

beforeAll(async () => {
  s = await setup();
}, 120_000);

afterAll(async () => {
  await s?.eng.docker(['rm', '-f', 'good', 'bad', 'plain']);
  await s?.stop();
});

const health = async (name: string) =>
  (await ok(s.eng, ['inspect', '-f', '{{.State.Health.Status}}', name])).stdout.trim();

describe('health checks', () => {
  it('goes healthy, shows in ps and the health filter, and logs the probes', async () => {
    const since = Math.floor(Date.now() / 1000);
    await ok(s.eng, [
      'run',
      '-d',
      '--name',
      'good',
      '--health-cmd',
      'echo ok; test -e /bin/sh',
      '--health-interval',
      '1s',
      s.img,
      'sleep',
      '1000',
    ]);
    expect(await health('good')).toBe('starting');
    await until(async () => (await health('good')) === 'healthy', 20_000, 'healthy');
    const ps = await ok(s.eng, ['ps', '--filter', 'name=good', '--format', '{{.Status}}']);
    expect(ps.stdout.trim()).toMatch(/^Up .* \(healthy\)$/);
    const filtered = await ok(s.eng, ['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']);
    expect(filtered.stdout.trim()).toBe('good');
    const h = JSON.parse((await ok(s.eng, ['inspect', '-f', '{{json .State.Health}}', 'good'])).stdout);
    expect(h.FailingStreak).toBe(0);
    expect(h.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'ok\n' });
    const ev = await ok(s.eng, [
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=good',
      '--format',
      '{{.Action}}',
    ]);
    expect(ev.stdout).toContain('health_status: healthy');
  });

  it('goes unhealthy after the retries, and keeps the last five results', async () => {
    await ok(s.eng, [
      'run',
      '-d',
      '--name',
      'bad',
      '--health-cmd',
      'exit 1',
      '--health-interval',
      '1s',
      '--health-retries',
      '2',
      s.img,
      'sleep',
      '1000',
    ]);
    await until(async () => (await health('bad')) === 'unhealthy', 20_000, 'unhealthy');
    const ps = await ok(s.eng, ['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout.trim()).toMatch(/^bad Up .* \(unhealthy\)$/);
    await until(
      async () =>
        JSON.parse((await ok(s.eng, ['inspect', '-f', '{{json .State.Health}}', 'bad'])).stdout).Log
          .length === 5,
      20_000,
      'five log entries',
    );
    const h = JSON.parse((await ok(s.eng, ['inspect', '-f', '{{json .State.Health}}', 'bad'])).stdout);
    expect(h.FailingStreak).toBeGreaterThanOrEqual(5);
    expect(h.Log.every((l: { ExitCode: number }) => l.ExitCode === 1)).toBe(true);
  });

  it('has no health without a check, and stops checking once stopped', async () => {
    await ok(s.eng, ['run', '-d', '--name', 'plain', s.img, 'sleep', '1000']);
    expect((await ok(s.eng, ['inspect', '-f', '{{.State.Health}}', 'plain'])).stdout.trim()).toBe('<nil>');
    await ok(s.eng, ['stop', '-t', '0', 'good']);
    expect(await health('good')).toBe('unhealthy');
    const listed = await ok(s.eng, ['ps', '-a', '--filter', 'name=good', '--format', '{{.Status}}']);
    expect(listed.stdout).toMatch(/^Exited/);
  });
});
