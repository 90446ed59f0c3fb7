import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startEngine, type TestEngine } from '../support/engine.js';
import { buildTar } from '../support/layers.js';
import { hex, imageParts, legacyArchive, rawTar, rootfsTar, sha256, type RawEntry } from './helpers.js';

let engine: TestEngine;
let baseline: { images: string; blobs: number; layers: number };

const blobCount = () => readdirSync(join(engine.dataRoot, 'blobs', 'sha256')).length;
const layerCount = () =>
  readdirSync(join(engine.dataRoot, 'layers')).filter((n) => /^[a-f0-9]{64}$/.test(n)).length;

async function imageList(): Promise<string> {
  const r = await engine.docker([
    'images',
    '-a',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Repository}}:{{.Tag}}',
  ]);
  return r.stdout.split('\n').sort().join('\n');
}

beforeAll(async () => {
  engine = await startEngine();
  const r = await engine.docker(['import', '-', 'keep:latest'], { input: await rootfsTar() });
  expect(r.code, r.stderr).toBe(0);
  baseline = { images: await imageList(), blobs: blobCount(), layers: layerCount() };
});

afterAll(async () => {
  await engine?.stop();
});

/** Loads `tar`; expects an HTTP error matching `message`, then that nothing changed (GC cleans up). */
async function expectRejected(tar: Buffer, message: RegExp): Promise<void> {
  const r = await engine.request('POST', '/images/load?quiet=1', tar);
  expect(r.status, r.body.toString()).toBeGreaterThanOrEqual(400);
  expect(r.json().message).toMatch(message);
  expect(await imageList()).toBe(baseline.images);
  for (let i = 0; i < 50 && (blobCount() !== baseline.blobs || layerCount() !== baseline.layers); i++) {
    await new Promise((res) => setTimeout(res, 100));
  }
  expect(blobCount()).toBe(baseline.blobs);
  expect(layerCount()).toBe(baseline.layers);
}

/** A valid legacy archive for one small image, with `mutate` applied to its entries. */
async function legacyEntries(): Promise<{ entries: RawEntry[]; layer: Buffer }> {
  const layer = await buildTar([{ name: 'f', content: 'x\n' }]);
  const parts = imageParts([layer]);
  return {
    layer,
    entries: [
      { name: 'l1/layer.tar', content: layer },
      { name: `${hex(parts.configDigest)}.json`, content: parts.config },
      {
        name: 'manifest.json',
        content: JSON.stringify([
          { Config: `${hex(parts.configDigest)}.json`, RepoTags: ['evil:latest'], Layers: ['l1/layer.tar'] },
        ]),
      },
    ],
  };
}

describe('docker load of hostile archives', () => {
  it('refuses `..` in entry names', async () => {
    const { entries } = await legacyEntries();
    await expectRejected(
      await rawTar([{ name: '../escape', content: 'x' }, ...entries]),
      /leaves the archive/,
    );
  });

  it('refuses absolute entry names', async () => {
    const { entries } = await legacyEntries();
    await expectRejected(
      await rawTar([...entries, { name: '/tmp/berth-abs-escape', content: 'x' }]),
      /absolute path/,
    );
    expect(existsSync('/tmp/berth-abs-escape')).toBe(false);
  });

  it('refuses symlinks that leave the archive or are absolute', async () => {
    const { entries } = await legacyEntries();
    const swap = (link: string) =>
      entries.map((e) =>
        e.name === 'l1/layer.tar' ? { name: e.name, type: 'symlink' as const, linkname: link } : e,
      );
    await expectRejected(await rawTar(swap('/etc/passwd')), /absolute path/);
    await expectRejected(await rawTar(swap('../../etc/passwd')), /outside the archive/);
    await expectRejected(await rawTar(swap('nowhere/layer.tar')), /does not point to a file/);
  });

  it('refuses device nodes', async () => {
    const { entries } = await legacyEntries();
    await expectRejected(
      await rawTar([{ name: 'dev0', type: 'character-device' }, ...entries]),
      /not allowed/,
    );
  });

  it('refuses a manifest.json pointing outside the archive', async () => {
    const { entries } = await legacyEntries();
    const bad = entries.map((e) =>
      e.name === 'manifest.json'
        ? {
            ...e,
            content: JSON.stringify([
              { Config: '../../../etc/passwd', RepoTags: ['evil:latest'], Layers: [] },
            ]),
          }
        : e,
    );
    await expectRejected(await rawTar(bad), /leaves the archive/);
  });

  it('refuses a blob whose content does not match its name', async () => {
    const { entries } = await legacyEntries();
    await expectRejected(
      await rawTar([{ name: `blobs/sha256/${hex(sha256('other'))}`, content: 'not other' }, ...entries]),
      /digest mismatch|does not match/,
    );
  });

  it('refuses a layer whose content does not match the config diff ID', async () => {
    const good = await buildTar([{ name: 'f', content: 'x\n' }]);
    const parts = imageParts([good]);
    const other = await buildTar([{ name: 'f', content: 'tampered\n' }]);
    const archive = await legacyArchive([{ parts: { ...parts, layers: [other] }, tags: ['evil:latest'] }]);
    await expectRejected(archive, /does not match/);
  });

  it('refuses a layer with escaping entries, leaving nothing behind', async () => {
    const layer = await rawTar([{ name: '../../../../tmp/berth-layer-escape', content: 'x' }]);
    const archive = await legacyArchive([{ parts: imageParts([layer]), tags: ['evil:latest'] }]);
    await expectRejected(archive, /escapes|invalid tar entry/);
    expect(existsSync('/tmp/berth-layer-escape')).toBe(false);
  });

  it('refuses truncated and non-archive input', async () => {
    const { entries } = await legacyEntries();
    const full = await rawTar(entries);
    await expectRejected(full.subarray(0, 700), /truncated|unexpected|invalid|manifest/i);
    await expectRejected(Buffer.from('{"not": "a tar"}'.repeat(64)), /./);
  });

  it('shows the error through the docker CLI', async () => {
    const { entries } = await legacyEntries();
    const r = await engine.docker(['load'], {
      input: await rawTar([{ name: '../escape', content: 'x' }, ...entries]),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('invalid image archive');
  });
});
