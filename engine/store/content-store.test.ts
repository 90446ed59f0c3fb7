import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtemp, readdir, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ContentStore } from './content-store.js';
import { sha256 } from './digest.js';

describe('ContentStore', () => {
  let root: string;
  let store: ContentStore;
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-content-'));
    store = new ContentStore(root);
    await store.init();
  });

  it('stores a blob under its digest and reads it back', async () => {
    const data = Buffer.from('hello');
    const digest = await store.put(data);
    expect(digest).toBe(sha256(data));
    expect(await store.has(digest)).toBe(true);
    expect(await store.size(digest)).toBe(5);
    expect((await store.read(digest)).toString()).toBe('hello');
    expect(await store.list()).toEqual([digest]);
  });

  it('refuses content that does not match the expected digest and leaves nothing behind', async () => {
    const wrong = sha256('other');
    await expect(store.put(Buffer.from('hello'), { digest: wrong })).rejects.toThrow(/digest mismatch/);
    expect(await store.has(wrong)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
  });

  it('refuses a stream longer or shorter than the expected size', async () => {
    const data = Buffer.from('0123456789');
    await expect(store.putStream(Readable.from([data]), { digest: sha256(data), size: 5 })).rejects.toThrow(
      /more data/,
    );
    await expect(store.putStream(Readable.from([data]), { digest: sha256(data), size: 20 })).rejects.toThrow(
      /size 10 does not match 20/,
    );
    expect(await store.list()).toEqual([]);
  });

  it('a failing source stream aborts the ingest', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.putStream(source)).rejects.toThrow(/connection reset/);
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
  });

  it('init removes leftover ingests from a crash', async () => {
    await mkdir(join(root, 'ingest'), { recursive: true });
    await writeFile(join(root, 'ingest', 'partial'), 'half a blob');
    await new ContentStore(root).init();
    expect(await readdir(join(root, 'ingest'))).toEqual([]);
  });

  it('trusts a self-verifying source for the digest but still checks the size', async () => {
    const data = Buffer.from('verified elsewhere');
    const digest = sha256(data);
    expect(
      await store.putStream(Readable.from([data]), { digest, size: data.length, verifiedBySource: true }),
    ).toBe(digest);
    await expect(
      store.putStream(Readable.from([data]), { digest: sha256('x'), size: 3, verifiedBySource: true }),
    ).rejects.toThrow(/more data/);
  });

  it('deletes blobs', async () => {
    const digest = await store.put(Buffer.from('x'));
    await store.delete(digest);
    expect(await store.has(digest)).toBe(false);
  });
});
