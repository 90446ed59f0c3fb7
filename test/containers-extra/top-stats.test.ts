/* eslint-disable @typescript-eslint/no-explicit-any -- stats JSON is indexed freely */
/** `docker top` and `docker stats` with the real docker CLI against a real engine (cgroup v1 or v2). */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, setup, type Setup } from './helpers.js';

let s: Setup;

beforeAll(async () => {
  s = await setup();
  await ok(s.eng, [
    'run',
    '-d',
    '--name',
    'busy',
    '--memory',
    '64m',
    s.img,
    'sh',
    '-c',
    'sleep 1000 & yes > /dev/null; wait',
  ]);
}, 120_000);

afterAll(async () => {
  await s?.eng.docker(['rm', '-f', 'busy', 'idle']);
  await s?.stop();
});

describe('docker top', () => {
  it('lists the container processes with ps -ef columns', async () => {
    const res = await ok(s.eng, ['top', 'busy']);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    const cmds = lines.slice(1).map((l) => l.trim().split(/\s+/).slice(7).join(' '));
    expect(cmds).toContain('sleep 1000');
    // busybox runs `yes` as an applet in the forked shell, so it keeps the shell's command line.
    expect(cmds.filter((c) => c === 'sh -c sleep 1000 & yes > /dev/null; wait')).toHaveLength(2);
    expect(lines.length).toBe(4);
  });

  it('passes ps_args through to ps', async () => {
    const res = await ok(s.eng, ['top', 'busy', '-o', 'pid,comm']);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PID\s+COMMAND$/);
    expect(
      lines
        .slice(1)
        .map((l) => l.trim().split(/\s+/)[1])
        .sort(),
    ).toEqual(['sh', 'sleep', 'yes']);
  });

  it('refuses a stopped container with 409', async () => {
    await ok(s.eng, ['create', '--name', 'idle', s.img, 'true']);
    const err = await fails(s.eng, ['top', 'idle']);
    expect(err).toMatch(/Container [0-9a-f]{64} is not running/);
  });
});

describe('docker stats', () => {
  it('reports CPU and memory against the --memory limit', async () => {
    const res = await ok(s.eng, [
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}',
      'busy',
    ]);
    const [name, cpu, mem, memPerc, , , pids] = res.stdout.trim().split('|');
    expect(name).toBe('busy');
    // `yes` spins one CPU: well above zero.
    expect(parseFloat(cpu!)).toBeGreaterThan(20);
    expect(mem).toMatch(/^[\d.]+[KMG]?i?B \/ 64MiB$/);
    expect(parseFloat(memPerc!)).toBeGreaterThan(0);
    expect(Number(pids)).toBe(3);
  });

  it('streams samples with precpu and stops when the client goes away', async () => {
    const body = await s.eng.request('GET', '/containers/busy/stats?stream=false');
    expect(body.status).toBe(200);
    const j = body.json();
    expect(j.id).toMatch(/^[0-9a-f]{64}$/);
    expect(j.name).toBe('/busy');
    expect(j.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(j.precpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(j.cpu_stats.system_cpu_usage).toBeGreaterThan(j.precpu_stats.system_cpu_usage);
    expect(j.memory_stats.limit).toBe(64 * 1024 * 1024);
    expect(j.pids_stats.current).toBe(3);
    const one = (await s.eng.request('GET', '/containers/busy/stats?stream=false&one-shot=true')).json();
    expect(one.precpu_stats.cpu_usage.total_usage).toBe(0);
  });

  it('streams one sample a second until the client goes away', async () => {
    const samples = await new Promise<Array<Record<string, any>>>((resolve, reject) => {
      const got: Array<Record<string, any>> = [];
      const req = http.get({ socketPath: s.eng.socket, path: '/containers/busy/stats' }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            got.push(JSON.parse(buf.slice(0, i)));
            buf = buf.slice(i + 1);
            if (got.length === 3) {
              req.destroy();
              resolve(got);
            }
          }
        });
      });
      req.on('error', (e) => (got.length >= 3 ? undefined : reject(e)));
    });
    expect(samples[0]!.precpu_stats.cpu_usage.total_usage).toBe(0);
    expect(samples[2]!.precpu_stats.cpu_usage.total_usage).toBe(samples[1]!.cpu_stats.cpu_usage.total_usage);
    expect(samples[2]!.preread).toBe(samples[1]!.read);
    const gap = Date.parse(samples[2]!.read) - Date.parse(samples[1]!.read);
    expect(gap).toBeGreaterThan(800);
  });

  it('returns zeros for a stopped container', async () => {
    const res = await ok(s.eng, ['stats', '--no-stream', '--format', '{{.CPUPerc}}|{{.MemUsage}}', 'idle']);
    expect(res.stdout.trim()).toBe('0.00%|0B / 0B');
  });
});
