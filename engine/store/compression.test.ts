import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  autoDecompress,
  compress,
  compressionFromMediaType,
  decompress,
  detectCompression,
} from './compression.js';

/** Runs `input` through the given streams and returns the output. */
async function through(input: Buffer, ...streams: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += 100_000) chunks.push(input.subarray(i, i + 100_000));
  await pipeline(Readable.from(chunks), ...(streams as [Duplex]), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) out.push(c);
  });
  return Buffer.concat(out);
}

/** Compressible but not trivial: random words. */
function sample(size: number): Buffer {
  const words = Array.from({ length: 500 }, () => randomBytes(6).toString('hex'));
  const parts: string[] = [];
  let len = 0;
  while (len < size) {
    const w = words[Math.floor(Math.random() * words.length)]!;
    parts.push(w);
    len += w.length + 1;
  }
  return Buffer.from(parts.join(' ')).subarray(0, size);
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('compressionFromMediaType', () => {
  it('maps docker and OCI layer types', () => {
    expect(compressionFromMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe('gzip');
    expect(compressionFromMediaType('application/vnd.docker.image.rootfs.foreign.diff.tar.gzip')).toBe(
      'gzip',
    );
    expect(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar')).toBe('none');
    expect(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+gzip')).toBe('gzip');
    expect(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+zstd')).toBe('zstd');
    expect(compressionFromMediaType('application/vnd.oci.image.layer.nondistributable.v1.tar+gzip')).toBe(
      'gzip',
    );
    expect(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+gzip; foo=bar')).toBe('gzip');
    expect(compressionFromMediaType('application/vnd.oci.image.config.v1+json')).toBeUndefined();
    expect(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+gzip+encrypted')).toBeUndefined();
  });
});

describe('detectCompression', () => {
  it('sniffs magic bytes', () => {
    expect(detectCompression(gzipSync(Buffer.from('x')))).toBe('gzip');
    expect(detectCompression(execFileSync('zstd', ['-c', '-q'], { input: 'x' }))).toBe('zstd');
    expect(detectCompression(Buffer.from('ustar plain tar....'))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
  });
});

describe('compress / decompress', () => {
  const data = sample(3 * 1024 * 1024);

  for (const c of ['gzip', 'zstd'] as const) {
    it(`round-trips ${c}, and autoDecompress recognizes it`, async () => {
      const packed = await through(data, compress(c));
      expect(detectCompression(packed)).toBe(c);
      expect(packed.length).toBeLessThan(data.length);
      expect(md5(await through(packed, decompress(c)))).toBe(md5(data));
      expect(md5(await through(packed, autoDecompress()))).toBe(md5(data));
    });

    it(`fails on corrupt and truncated ${c} data`, async () => {
      const packed = await through(data, compress(c));
      const corrupt = Buffer.from(packed);
      for (let i = 100; i < 200; i++) corrupt[i] ^= 0x55;
      await expect(through(corrupt, decompress(c))).rejects.toThrow();
      await expect(through(packed.subarray(0, packed.length >> 1), decompress(c))).rejects.toThrow();
      await expect(through(corrupt, autoDecompress())).rejects.toThrow();
    });
  }

  it('interoperates with the gzip and zstd CLIs', async () => {
    const viaCli = execFileSync('zstd', ['-c', '-q', '-9'], { input: data, maxBuffer: 64 << 20 });
    expect(md5(await through(viaCli, decompress('zstd')))).toBe(md5(data));
    const gz = await through(data, compress('gzip'));
    expect(md5(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 }))).toBe(md5(data));
  });

  it('passes plain data through autoDecompress, even tiny inputs', async () => {
    expect((await through(data, autoDecompress())).equals(data)).toBe(true);
    expect((await through(Buffer.from('ab'), autoDecompress())).toString()).toBe('ab');
    expect((await through(Buffer.alloc(0), autoDecompress())).length).toBe(0);
  });

  it('handles concatenated gzip members', async () => {
    const two = Buffer.concat([gzipSync(Buffer.from('hello ')), gzipSync(Buffer.from('world'))]);
    expect((await through(two, decompress('gzip'))).toString()).toBe('hello world');
  });

  it('kills the zstd process when destroyed', async () => {
    const d = decompress('zstd');
    const pid = (d as unknown as { child: { pid: number } }).child.pid;
    d.write(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    d.destroy();
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
