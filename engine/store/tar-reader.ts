/**
 * A streaming tar reader (ustar, GNU and PAX, as Go's archive/tar reads them — docker's reference).
 * It hands out data as slices of the incoming chunks (no copies), keeps xattr values as raw bytes
 * (tar-stream would decode them as UTF-8) and reports every byte it consumes, including anything after
 * the end-of-archive marker, so the caller can hash the exact stream.
 */
import { InvalidArgumentError } from '../errors.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of data that follow (0 for every type but 'file'). */
  size: number;
  /** Seconds since the epoch, possibly fractional (PAX). */
  mtime: number;
  atime?: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.*` (and libarchive's `LIBARCHIVE.xattr.*`) records. */
  xattrs: Map<string, Buffer>;
}

const BLOCK = 512;
/** Go's limit for PAX and GNU long-name payloads. */
const MAX_META_SIZE = 1 << 20;

export class TarFormatError extends InvalidArgumentError {}

/** Reads entries one by one: `next()` a header, then `data()` (or nothing: `next()` skips the rest). */
export class TarReader {
  private readonly it: AsyncIterator<Buffer>;
  private chunks: Buffer[] = [];
  private avail = 0;
  private sourceDone = false;
  /** Unread data (+ padding) of the current entry. */
  private remaining = 0;
  private padding = 0;
  private finished = false;

  /** `onBytes` sees every chunk of the source, in order, as it is consumed. */
  constructor(
    source: AsyncIterable<Buffer>,
    private readonly onBytes: (chunk: Buffer) => void,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The next entry, or null at the end of the archive (after draining the source to its end). */
  async next(): Promise<TarHeader | null> {
    if (this.finished) return null;
    await this.skip(this.remaining + this.padding);
    this.remaining = this.padding = 0;
    const pax = new Map<string, Buffer>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.read(BLOCK);
      if (!block) {
        // A stream that ends on a header boundary is accepted (Go does the same).
        this.finished = true;
        return null;
      }
      if (isZero(block)) {
        const second = await this.read(BLOCK);
        if (second && !isZero(second))
          throw new TarFormatError('invalid tar header: data after a zero block');
        await this.drain();
        return null;
      }
      const raw = parseRawHeader(block);
      if (raw.typeflag === 'x' || raw.typeflag === 'g' || raw.typeflag === 'L' || raw.typeflag === 'K') {
        if (raw.size > MAX_META_SIZE)
          throw new TarFormatError(`invalid tar header: ${raw.typeflag} record too large`);
        const body = await this.read(raw.size);
        if (!body) throw truncated();
        await this.skip(pad(raw.size));
        if (raw.typeflag === 'x') parsePax(body, pax);
        else if (raw.typeflag === 'L') longName = cString(body);
        else if (raw.typeflag === 'K') longLink = cString(body);
        // 'g' (global PAX header) is ignored, as docker does.
        continue;
      }
      const header = buildHeader(raw, pax, longName, longLink);
      this.remaining = header.size;
      this.padding = pad(header.size);
      return header;
    }
  }

  /** The current entry's data as slices of the source chunks; valid until the next read. */
  async *data(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      if (this.avail === 0 && !(await this.pull())) throw truncated();
      const first = this.chunks[0]!;
      const n = Math.min(first.length, this.remaining);
      const slice = n === first.length ? first : first.subarray(0, n);
      this.consume(n);
      this.remaining -= n;
      yield slice;
    }
  }

  /** Pulls one more source chunk into the buffer; false at the end of the source. */
  private async pull(): Promise<boolean> {
    if (this.sourceDone) return false;
    const r = await this.it.next();
    if (r.done) {
      this.sourceDone = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
    this.onBytes(chunk);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.avail += chunk.length;
    }
    return true;
  }

  private consume(n: number): void {
    this.avail -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (n >= first.length) {
        this.chunks.shift();
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }

  /** Exactly n bytes (a copy only when they span chunks), or null if the source ends first (at 0 bytes). */
  private async read(n: number): Promise<Buffer | null> {
    while (this.avail < n) {
      if (!(await this.pull())) {
        if (this.avail === 0) return null;
        throw truncated();
      }
    }
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) out = first.subarray(0, n);
    else out = Buffer.concat(this.chunks, this.avail).subarray(0, n);
    this.consume(n);
    return out;
  }

  private async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.avail === 0 && !(await this.pull())) throw truncated();
      const k = Math.min(n, this.avail);
      this.consume(k);
      n -= k;
    }
  }

  /** Consumes (and reports) everything after the end-of-archive marker. */
  private async drain(): Promise<void> {
    this.finished = true;
    this.chunks = [];
    this.avail = 0;
    while (await this.pull()) {
      this.chunks = [];
      this.avail = 0;
    }
  }
}

function truncated(): TarFormatError {
  return new TarFormatError('unexpected end of tar archive (truncated layer?)');
}

function pad(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 8) if (block.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

interface RawHeader {
  name: string;
  prefix: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function parseRawHeader(b: Buffer): RawHeader {
  verifyChecksum(b);
  const magic = b.toString('latin1', 257, 263);
  const ustar = magic === 'ustar\0'; // POSIX; GNU writes "ustar  \0", where the prefix field means something else
  const h: RawHeader = {
    name: cString(b.subarray(0, 100)),
    prefix: ustar ? cString(b.subarray(345, 500)) : '',
    typeflag: b[156] === 0 ? '\0' : String.fromCharCode(b[156]!),
    mode: parseNumber(b, 100, 8, 'mode'),
    uid: parseNumber(b, 108, 8, 'uid'),
    gid: parseNumber(b, 116, 8, 'gid'),
    size: parseNumber(b, 124, 12, 'size'),
    mtime: parseNumber(b, 136, 12, 'mtime'),
    linkname: cString(b.subarray(157, 257)),
    devmajor: 0,
    devminor: 0,
  };
  if (h.typeflag === '3' || h.typeflag === '4') {
    h.devmajor = parseNumber(b, 329, 8, 'devmajor');
    h.devminor = parseNumber(b, 337, 8, 'devminor');
  }
  return h;
}

function verifyChecksum(b: Buffer): void {
  const stored = parseNumber(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  if (stored !== unsigned && stored !== signed)
    throw new TarFormatError('invalid tar header: checksum mismatch');
}

/** Octal (NUL/space padded) or GNU base-256 (high bit set) numeric field. */
function parseNumber(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off]!;
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError(`invalid tar header: negative ${field}`);
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`invalid tar header: ${field} out of range`);
    return v;
  }
  const s = b
    .toString('latin1', off, off + len)
    .replace(/\0.*$/s, '')
    .trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`invalid tar header: bad ${field} field`);
  const v = parseInt(s, 8);
  if (!Number.isSafeInteger(v)) throw new TarFormatError(`invalid tar header: ${field} out of range`);
  return v;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul === -1 ? b : b.subarray(0, nul)).toString('utf8');
}

/** PAX records: "<len> <key>=<value>\n", lengths in bytes; values stay raw. */
function parsePax(body: Buffer, out: Map<string, Buffer>): void {
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers NUL-pad the record block
    const sp = body.indexOf(0x20, pos);
    if (sp === -1) throw new TarFormatError('invalid PAX header');
    const lenStr = body.toString('latin1', pos, sp);
    const len = Number(lenStr);
    if (
      !/^[0-9]+$/.test(lenStr) ||
      len <= sp - pos ||
      pos + len > body.length ||
      body[pos + len - 1] !== 0x0a
    ) {
      throw new TarFormatError('invalid PAX header');
    }
    const rec = body.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('invalid PAX header');
    const key = rec.toString('utf8', 0, eq);
    const value = rec.subarray(eq + 1);
    // An empty value deletes the key (POSIX); later records win.
    if (value.length === 0) out.delete(key);
    else out.set(key, Buffer.from(value));
    pos += len;
  }
}

function paxNumber(pax: Map<string, Buffer>, key: string): number | undefined {
  const v = pax.get(key);
  if (!v) return undefined;
  const s = v.toString('latin1');
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(s)) throw new TarFormatError(`invalid PAX header: bad ${key}`);
  const n = Number(s);
  if (!Number.isFinite(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    throw new TarFormatError(`invalid PAX header: ${key} out of range`);
  }
  return n;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  D: 'dir', // GNU dumpdir: a directory whose data lists its contents
};

function buildHeader(
  raw: RawHeader,
  pax: Map<string, Buffer>,
  longName: string | undefined,
  longLink: string | undefined,
): TarHeader {
  let name = longName ?? (raw.prefix ? `${raw.prefix}/${raw.name}` : raw.name);
  let linkname = longLink ?? raw.linkname;
  const paxPath = pax.get('path');
  if (paxPath) name = paxPath.toString('utf8');
  const paxLink = pax.get('linkpath');
  if (paxLink) linkname = paxLink.toString('utf8');
  for (const key of pax.keys()) {
    if (key.startsWith('GNU.sparse.'))
      throw new TarFormatError(`invalid tar entry ${JSON.stringify(name)}: sparse files are not supported`);
  }

  let type = TYPES[raw.typeflag];
  if (!type) {
    if (raw.typeflag === 'S')
      throw new TarFormatError(`invalid tar entry ${JSON.stringify(name)}: sparse files are not supported`);
    throw new TarFormatError(
      `invalid tar entry ${JSON.stringify(name)}: unhandled tar header type ${JSON.stringify(raw.typeflag)}`,
    );
  }
  // Old (V7) archives mark directories only with a trailing slash.
  if (raw.typeflag === '\0' && name.endsWith('/')) type = 'dir';

  // Like Go's reader: only regular files (and GNU dumpdirs) carry data blocks.
  const size = type === 'file' || raw.typeflag === 'D' ? (paxNumber(pax, 'size') ?? raw.size) : 0;
  if (size < 0 || !Number.isSafeInteger(size))
    throw new TarFormatError(`invalid tar entry ${JSON.stringify(name)}: bad size`);
  const uid = paxNumber(pax, 'uid') ?? raw.uid;
  const gid = paxNumber(pax, 'gid') ?? raw.gid;
  if (!isId(uid) || !isId(gid))
    throw new TarFormatError(`invalid tar entry ${JSON.stringify(name)}: bad uid/gid`);

  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
    else if (key.startsWith('LIBARCHIVE.xattr.')) {
      // libarchive: URL-encoded name, base64 value.
      xattrs.set(
        decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)),
        Buffer.from(value.toString('latin1'), 'base64'),
      );
    }
  }

  const mtime = paxNumber(pax, 'mtime') ?? raw.mtime;
  const atime = paxNumber(pax, 'atime');
  return {
    name,
    type,
    mode: raw.mode & 0o7777,
    uid,
    gid,
    size,
    mtime,
    atime,
    linkname,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs,
  };
}

function isId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}
