/**
 * ImageService's removal rules that involve containers, through its `usage` hook (the container
 * service plugs in later). Real stores on a temp dir; only the container list is a stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../events.js';
import { ContentStore } from '../store/content-store.js';
import { LayerStore } from '../store/layer-store.js';
import { ImageStore } from '../store/image-store.js';
import { ConflictError } from '../errors.js';
import { ImageService, isSingleReference, type ImageUsage } from './service.js';

const CTR = 'c0ffee'.repeat(10) + 'abcd';
let dir: string;
let service: ImageService;
let usage: ImageUsage;
let id: string;

const DIGEST = 'sha256:' + 'd'.repeat(64);
const TAG = 'docker.io/library/busybox:latest';
const DIGEST_REF = `docker.io/library/busybox@${DIGEST}`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-svc-'));
  const content = new ContentStore(dir);
  const layers = new LayerStore(dir);
  const store = new ImageStore(dir);
  await Promise.all([content.init(), layers.init(), store.init()]);
  usage = { running: [], stopped: [] };
  service = new ImageService({ content, layers, store, events: new EventBus(), usage: () => usage });
  id = await content.put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' })));
  const manifest = await content.put(Buffer.from('{"schemaVersion":2}'));
  await store.update((s) => {
    s.images.set(id, {
      id,
      manifestDigest: manifest,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      layers: [],
      labels: {},
      os: 'linux',
      architecture: 'amd64',
      size: 0,
      addedAt: new Date().toISOString(),
    });
    // As after a pull: a tag and the repo digest.
    s.refs.set(TAG, id);
    s.refs.set(DIGEST_REF, id);
  });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const short = (s: string) => s.replace(/^sha256:/, '').slice(0, 12);

async function conflict(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConflictError);
  expect((err as ConflictError).status).toBe(409);
  return (err as Error).message;
}

describe('ImageService.remove with containers', () => {
  it('never deletes an image a running container uses, even forced', async () => {
    usage.running.push(CTR);
    const expected = `conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(CTR)}`;
    expect(await conflict(service.remove(id))).toBe(expected);
    expect(await conflict(service.remove(short(id), { force: true }))).toBe(expected);
    expect(service.store.get(id)).toBeDefined();
    expect(service.store.refsOf(id).sort()).toEqual([DIGEST_REF, TAG].sort());
  });

  it('needs force to delete an image a stopped container uses', async () => {
    usage.stopped.push(CTR);
    expect(await conflict(service.remove(id))).toBe(
      `conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(CTR)}`,
    );
    expect(service.store.get(id)).toBeDefined();
    const records = await service.remove(id, { force: true });
    expect(records).toContainEqual({ Deleted: id });
    expect(service.store.get(id)).toBeUndefined();
  });

  it('refuses to remove the last tag of an image a container uses', async () => {
    for (const which of ['stopped', 'running'] as const) {
      usage = { running: [], stopped: [] };
      usage[which].push(CTR);
      expect(await conflict(service.remove('busybox'))).toBe(
        `conflict: unable to remove repository reference "busybox" (must force) - container ${short(CTR)} is using its referenced image ${short(id)}`,
      );
      expect(service.store.refsOf(id)).toContain(TAG);
    }
  });

  it('with force, untags the last tag but keeps an image a running container uses', async () => {
    usage.running.push(CTR);
    const records = await service.remove('busybox:latest', { force: true });
    expect(records).toEqual([{ Untagged: 'busybox:latest' }, { Untagged: `busybox@${DIGEST}` }]);
    expect(service.store.get(id)).toBeDefined();
  });

  it('untags a second tag freely while a container uses the image', async () => {
    usage.running.push(CTR);
    await service.tag(id, 'other', 'v1');
    expect(await service.remove('other:v1')).toEqual([{ Untagged: 'other:v1' }]);
    expect(service.store.get(id)).toBeDefined();
  });

  it('deletes an unused image by ID with its references', async () => {
    const records = await service.remove(short(id));
    expect(records).toEqual([
      { Untagged: 'busybox:latest' },
      { Untagged: `busybox@${DIGEST}` },
      { Deleted: id },
    ]);
    expect(service.count()).toBe(0);
  });
});

describe('isSingleReference', () => {
  it('is one repository: a tag plus digests of the same repository', () => {
    expect(isSingleReference([])).toBe(false);
    expect(isSingleReference([TAG])).toBe(true);
    expect(isSingleReference([TAG, DIGEST_REF])).toBe(true);
    expect(isSingleReference([TAG, 'docker.io/library/other:1'])).toBe(false);
    expect(isSingleReference([TAG, `docker.io/library/other@${DIGEST}`])).toBe(false);
  });
});
