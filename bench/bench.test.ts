import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountsUnder, processTree } from './cleanup.js';
import { saveArchive, smallImages } from './fixtures.js';
import { diskUsage, median, ratio, treeRss } from './measure.js';
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
