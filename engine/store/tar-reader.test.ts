import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarReader, type TarHeader } from './tar-reader.js';

async function readAll(bytes: Buffer): Promise<Array<{ h: TarHeader; data: string }>> {
  let seen = 0;
  const r = new TarReader(Readable.from([bytes]), (c) => (seen += c.length));
  const out: Array<{ h: TarHeader; data: string }> = [];
  for (;;) {
    const h = await r.next();
    if (!h) break;
    const parts: Buffer[] = [];
    for await (const c of r.data()) parts.push(Buffer.from(c));
    out.push({ h, data: Buffer.concat(parts).toString() });
  }
  expect(seen).toBe(bytes.length);
  return out;
}

let src: string;
beforeAll(() => {
  src = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-'));
  fs.mkdirSync(path.join(src, 'd'.repeat(110)));
  fs.writeFileSync(path.join(src, 'd'.repeat(110), 'f'.repeat(120)), 'long');
  fs.symlinkSync('t'.repeat(150), path.join(src, 'lnk'));
});
afterAll(() => fs.rmSync(src, { recursive: true, force: true }));

/** GNU tar in a given format, with a huge uid (base-256 in gnu format, PAX record in posix). */
function gnuTar(format: string): Buffer {
  return execFileSync('tar', [
    `--format=${format}`,
    '--owner=:3000000',
    '--group=:7',
    '-cf',
    '-',
    '-C',
    src,
    '.',
  ]);
}

describe('TarReader', () => {
  for (const format of ['gnu', 'posix']) {
    it(`reads GNU tar's ${format} format (long names, long link targets, big ids)`, async () => {
      const entries = await readAll(gnuTar(format));
      const file = entries.find((e) => e.h.type === 'file')!;
      expect(file.h.name).toBe(`./${'d'.repeat(110)}/${'f'.repeat(120)}`);
      expect(file.data).toBe('long');
      expect(file.h.uid).toBe(3000000);
      expect(file.h.gid).toBe(7);
      const link = entries.find((e) => e.h.type === 'symlink')!;
      expect(link.h.linkname).toBe('t'.repeat(150));
      expect(entries.filter((e) => e.h.type === 'dir').length).toBe(2);
    });
  }

  it('reads V7 archives (directories marked by a trailing slash)', async () => {
    fs.mkdirSync(path.join(src, 'v7'));
    fs.writeFileSync(path.join(src, 'v7', 'f'), 'v7 data');
    const entries = await readAll(execFileSync('tar', ['--format=v7', '-cf', '-', '-C', src, 'v7']));
    expect(entries.map((e) => [e.h.name, e.h.type, e.data])).toEqual([
      ['v7/', 'dir', ''],
      ['v7/f', 'file', 'v7 data'],
    ]);
  });

  it('stops at the end marker and drains what follows', async () => {
    const bytes = Buffer.concat([gnuTar('posix'), Buffer.alloc(4096)]);
    expect((await readAll(bytes)).length).toBeGreaterThan(0);
  });

  it('rejects data after a single zero block', async () => {
    const bytes = gnuTar('gnu');
    const bad = Buffer.concat([Buffer.alloc(512), bytes]);
    await expect(readAll(bad)).rejects.toThrow(/zero block/);
  });
});
