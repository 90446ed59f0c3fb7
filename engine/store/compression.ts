/**
 * Layer blob compression: media type → algorithm, magic-byte sniffing, and streaming (de)compressors.
 * gzip runs in node:zlib; zstd runs in Debian's `zstd` CLI (Node 20 has no zstd), which also moves the
 * work off the event loop's thread.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { constants as zc, createGunzip, createGzip } from 'node:zlib';
import { SystemError } from '../errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** zlib's output chunk size: big chunks mean fewer callbacks and fewer tar-parser iterations. */
const ZLIB_CHUNK = 256 * 1024;
/** Readable buffer for the zstd child's output. */
const HIGH_WATER = 1024 * 1024;

const MEDIA_TYPES: Record<string, Compression> = {
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
  'application/vnd.docker.image.rootfs.foreign.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/x-tar': 'none',
};

/**
 * The compression a layer media type announces, or undefined when it is not a layer type we can
 * unpack (config blobs, encrypted layers, attestations…). Parameters (`;…`) and case are ignored;
 * unknown vendor types still count when they end in `.tar`, `.tar+gzip`/`.tar.gzip` or `…+zstd`/`.zstd`.
 */
export function compressionFromMediaType(mediaType: string): Compression | undefined {
  const mt = mediaType.split(';')[0]!.trim().toLowerCase();
  const known = MEDIA_TYPES[mt];
  if (known) return known;
  if (/[./+]tar$/.test(mt)) return 'none';
  if (/[./+]tar[.+](gzip|gz)$/.test(mt)) return 'gzip';
  if (/[./+]tar[.+](zstd|zst)$/.test(mt)) return 'zstd';
  return undefined;
}

/** Sniffs gzip (1f 8b) and zstd (28 b5 2f fd, or a skippable frame 5? 2a 4d 18) magic bytes. */
export function detectCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
    if ((head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18) return 'zstd';
  }
  return 'none';
}

/** A streaming decompressor (plain pass-through for 'none'). Corrupt input surfaces as a stream error. */
export function decompress(compression: Compression): Duplex {
  switch (compression) {
    case 'gzip':
      // Multi-member gzip (pigz, concatenated layers) is handled by zlib.
      return createGunzip({ chunkSize: ZLIB_CHUNK });
    case 'zstd':
      return new ProcessDuplex('zstd', ['-d', '-c', '-q']);
    case 'none':
      return new PassThrough({ highWaterMark: HIGH_WATER });
  }
}

/** A compressor for new layers (import, commit, push). gzip at zlib's default level, like docker. */
export function compress(compression: 'gzip' | 'zstd'): Duplex {
  if (compression === 'gzip') return createGzip({ chunkSize: ZLIB_CHUNK, level: zc.Z_DEFAULT_COMPRESSION });
  return new ProcessDuplex('zstd', ['-c', '-q', '-3', '-T0']);
}

/** Decompresses whatever comes in: gzip, zstd or plain tar, chosen from the first bytes. */
export function autoDecompress(): Duplex {
  return new SniffingDuplex();
}

/**
 * Runs a filter process (stdin → stdout) as a Duplex. The readable side ends only after the process
 * exited with status 0, so a consumer never mistakes a failed run for a complete one; a non-zero exit
 * destroys the stream with the process's stderr as the message. Destroying the stream kills the process.
 */
class ProcessDuplex extends Duplex {
  private readonly child: ChildProcess;
  private stderr = '';
  private exited = false;

  constructor(command: string, args: string[]) {
    super({ readableHighWaterMark: HIGH_WATER });
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const { stdin, stdout, stderr } = this.child;
    stdout!.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout!.pause();
    });
    stderr!.setEncoding('utf8');
    stderr!.on('data', (s: string) => {
      if (this.stderr.length < 4096) this.stderr += s;
    });
    // EPIPE on stdin means the process stopped reading; its exit status tells why.
    stdin!.on('error', () => {});
    this.child.on('error', (err) => this.destroy(new SystemError(`${command}: ${err.message}`)));
    this.child.on('close', (code, signal) => {
      this.exited = true;
      if (this.destroyed) return;
      if (code === 0) this.push(null);
      else {
        const why =
          this.stderr.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        this.destroy(new SystemError(`${command}: ${why}`));
      }
    });
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const stdin = this.child.stdin!;
    if (stdin.destroyed) return cb(); // the exit handler reports the failure
    if (stdin.write(chunk)) cb();
    else {
      const done = (): void => {
        stdin.off('drain', done);
        stdin.off('close', done);
        cb();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin!.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    cb(err);
  }
}

/** Buffers the first few bytes, picks a decompressor from them, then forwards everything through it. */
class SniffingDuplex extends Duplex {
  private inner: Duplex | undefined;
  private head: Buffer[] = [];
  private headLen = 0;

  constructor() {
    super({ readableHighWaterMark: HIGH_WATER });
  }

  private start(): Duplex {
    const head = Buffer.concat(this.head);
    this.head = [];
    const inner = decompress(detectCompression(head));
    this.inner = inner;
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    if (head.length > 0) inner.write(head);
    return inner;
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let inner = this.inner;
    if (!inner) {
      this.head.push(chunk);
      this.headLen += chunk.length;
      if (this.headLen < 4) return cb();
      inner = this.start();
      chunk = Buffer.alloc(0);
    }
    if (chunk.length === 0 || inner.write(chunk)) return cb();
    inner.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    (this.inner ?? this.start()).end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}
