import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsUnder, processTree } from './cleanup.js';
import { saveArchive, smallImages } from './fixtures.js';
import { diskUsage, helperRss, median, ratio, treeRss } from './measure.js';
import { parseStrace, profileWindow, renderProfile } from './profile.js';
import { judgeRatio, renderTable, type Results } from './report.js';
import { readTar } from '../test/support/layers.js';

describe('measure', () => {
  it('takes medians of odd and even series', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('gives no ratio without both sides', () => {
    expect(ratio(2, 4)).toBe(0.5);
    expect(ratio(2, null)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(2, 0)).toBeNull();
  });

  it('reads the RSS of our own process tree', () => {
    const s = treeRss(process.pid);
    expect(s.processes[0].pid).toBe(process.pid);
    expect(s.totalMB).toBeGreaterThan(10);
    expect(processTree(process.pid)).toContain(process.pid);
  });

  it('sums disk usage of a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-bench-du-'));
    try {
      writeFileSync(join(dir, 'a'), Buffer.alloc(100_000, 1));
      expect(diskUsage(dir)).toBeGreaterThanOrEqual(100_000);
      expect(mountsUnder(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report', () => {
  it('judges relative bars in both directions', () => {
    expect(judgeRatio(1.2, 1.0, 'higher')).toBe(true);
    expect(judgeRatio(0.9, 1.0, 'higher')).toBe(false);
    expect(judgeRatio(0.9, 1.0, 'lower')).toBe(true);
    expect(judgeRatio(null, 1.0, 'lower')).toBeNull();
  });

  it('renders a table with ratios and results', () => {
    const r: Results = {
      startedAt: '2024-01-01T00:00:00Z',
      durationS: 12,
      host: { cpus: 2, kernel: 'k', node: 'v20' },
      versions: { berth: '0.1.0', dockerd: '20.10', dockerCli: '28' },
      reference: { ran: true },
      metrics: [
        {
          id: 'pull',
          title: 'pull',
          unit: 'MB/s',
          better: 'higher',
          berth: 150,
          dockerd: 100,
          ratio: 1.5,
          bar: '≥ 1.0×',
          pass: true,
          notes: ['n1'],
        },
      ],
      raw: {},
      notes: [],
    };
    const t = renderTable(r);
    expect(t).toContain('1.50×');
    expect(t).toContain('PASS');
    expect(t).toContain('pull: n1');
  });
});

describe('fixtures', () => {
  it('builds distinct small images and a loadable archive', async () => {
    const imgs = await smallImages(3);
    expect(new Set(imgs.map((i) => i.configDigest)).size).toBe(3);
    const entries = await readTar(await saveArchive(imgs, 'repo/x'));
    const names = entries.map((e) => e.header.name);
    expect(names).toContain('manifest.json');
    expect(names).toContain('index.json');
    const manifest = JSON.parse(entries.find((e) => e.header.name === 'manifest.json')!.content.toString());
    expect(manifest).toHaveLength(3);
    expect(manifest[0].RepoTags).toEqual(['repo/x:i0000']);
    for (const m of manifest) {
      expect(names).toContain(m.Config);
      for (const l of m.Layers) expect(names).toContain(l);
    }
  });
});

describe('profile', () => {
  const trace = [
    '100 1000.000000 execve("/usr/bin/conmon", ["conmon", "--api-version", "1"], 0x1 /* 3 vars */) = 0 <0.000300>',
    '101 1000.010000 execve("/usr/sbin/runc", ["runc", "--root", "/r", "create", "--bundle", "/b", "id"], 0x1 /* 3 vars */ <unfinished ...>',
    '102 1000.011000 mount("overlay", "/data/c/merged", "overlay", 0, "lowerdir=/l") = 0 <0.000500>',
    '101 1000.012000 <... execve resumed>) = 0 <0.002000>',
    '103 1000.020000 execve("/proc/self/exe", ["runc", "init"], 0x1 /* 3 vars */) = 0 <0.001000>',
    '103 1000.021000 mount("", "/proc/bus", NULL, MS_BIND, NULL) = 0 <0.000010>',
    '103 1000.022000 mount("", "/proc/fs", NULL, MS_BIND, NULL) = 0 <0.000010>',
    '101 1000.050000 +++ exited with 0 +++',
    '200 1000.055000 fsync(22) = 0 <0.000250>',
    '103 1000.060000 +++ exited with 0 +++',
    '100 1000.070000 +++ exited with 0 +++',
    '104 1000.080000 execve("/usr/sbin/runc", ["runc", "delete", "id"], 0x1 /* 3 vars */) = 0 <0.001>',
    '104 1000.090000 +++ exited with 0 +++',
  ].join('\n');

  it('parses execs, exits, mounts and fsyncs, joining unfinished calls', () => {
    const ev = parseStrace(trace);
    const execs = ev.filter((e) => e.kind === 'exec').map((e) => e.detail);
    expect(execs).toEqual(['conmon', 'runc create', 'runc init', 'runc delete']);
    expect(ev.find((e) => e.detail === 'runc create')!.t).toBe(1000.01);
    expect(ev.filter((e) => e.kind === 'mount')).toHaveLength(3);
    expect(ev.find((e) => e.kind === 'fsync')!.dur).toBeCloseTo(0.00025);
  });

  it('breaks a window down by helper process', () => {
    const p = profileWindow(parseStrace(trace), 999.99, 1000.1);
    expect(p.helpers['runc create']).toEqual({ count: 1, ms: expect.closeTo(40, 3) });
    expect(p.helpers.conmon.ms).toBeCloseTo(70, 3);
    expect(p.helperBusyMs).toBeCloseTo(80, 3); // conmon 0–70, runc delete 80–90
    expect(p.mounts).toBe(3);
    expect(p.fsyncs).toBe(1);
    // The runtime's run of mounts is folded into one line.
    expect(p.timeline.filter((l) => l.includes('mount'))).toHaveLength(2);
    expect(renderProfile([p], 20)).toContain('runc create');
  });
});

describe('helper RSS', () => {
  it('finds processes by a directory in their command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-bench-helper-'));
    const child = spawn('sh', ['-c', 'sleep 30; :', dir], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const h = helperRss(dir, -1);
      expect(h.byComm.sh.count).toBe(1);
      expect(h.byComm.sleep.count).toBe(1); // descendants count too
      expect(h.totalMB).toBeGreaterThan(0);
      // The excluded process itself (the engine) does not count; its children do.
      expect(Object.keys(helperRss(dir, child.pid!).byComm)).toEqual(['sleep']);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
