/**
 * The pull helper process against a real registry: a layer job downloads, stores and unpacks in the
 * child (started here from the TypeScript sources, as under tsx), the child exits when idle, and a
 * job fails cleanly — never hangs — when the child dies or the caller aborts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage, type FixtureImage } from '../../test/support/images.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { parseReference } from '../reference/index.js';
import { RegistryClient, type RegistryHints } from '../registry/client.js';
import type { RegistryConfig } from '../registry/endpoints.js';
import { ContentStore } from '../store/content-store.js';
import type { LayerJob } from './layer-fill.js';
import { PullHelper } from './pull-helper-client.js';

let reg: TestRegistry;
let img: FixtureImage;
let root: string;
let content: ContentStore;
const small = randomBytes(300_000);
const config: RegistryConfig = {
  mirrors: [],
  insecureRegistries: [],
  hubOrigin: 'http://127.0.0.1:9',
  dockerConfigDir: '/nonexistent-berth-docker-config',
};
let hints: RegistryHints;

beforeAll(async () => {
  reg = await startRegistry();
  img = await pushImage(reg, 'helper', 'latest', [
    {
      entries: [
        { name: 'etc', type: 'directory' },
        { name: 'etc/small.bin', content: small },
      ],
    },
    { entries: [{ name: 'big.bin', content: randomBytes(24_000_000) }] },
  ]);
  // The engine's client has resolved the image first: the helper starts from what it learned.
  const client = new RegistryClient(config);
  await client.resolve(parseReference(`${reg.host}/helper:latest`));
  hints = client.hints();
  client.close();
  expect(hints.httpOnly).toEqual([reg.host]);
  root = mkdtempSync(join(tmpdir(), 'berth-helper-'));
  content = new ContentStore(root);
  await content.init();
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
function job(layer: number): LayerJob {
  const l = img.layers[layer]!;
  const dir = join(root, 'unpack', String(dirs++));
  mkdirSync(dir, { recursive: true });
  return {
    dataRoot: root,
    registry: config,
    hints,
    ref: parseReference(`${reg.host}/helper:latest`),
    desc: { mediaType: l.mediaType, digest: l.digest, size: l.size },
    dir,
    ingestPath: content.newIngestPath(),
    overlayXattrNamespace: 'user',
    applyOwnership: false,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !cond();) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pull helper', () => {
  it('downloads, stores and unpacks a layer, reports progress, and exits when idle', async () => {
    const helper = new PullHelper(300);
    const j = job(0);
    const progress: number[] = [];
    let stored = 0;
    const result = await helper.fill(j, { onProgress: (n) => progress.push(n), onStored: () => stored++ });
    expect(result.diffId).toBe(img.layers[0]!.diffId);
    expect(result.size).toBe(small.length);
    expect(readFileSync(join(j.dir, 'etc/small.bin')).equals(small)).toBe(true);
    expect(await content.has(img.layers[0]!.digest)).toBe(true);
    expect(stored).toBe(1);
    expect(progress.at(-1)).toBe(img.layers[0]!.size);
    const pid = helper.pid!;
    expect(alive(pid)).toBe(true);
    await waitFor(() => !alive(pid), 10_000);
    expect(helper.pid).toBeUndefined();
  });

  it('fails the job when the helper dies mid-download, then starts a new one', async () => {
    await content.delete(img.layers[1]!.digest);
    const helper = new PullHelper(300);
    let killed = false;
    const dying = helper.fill(job(1), {
      onProgress: () => {
        if (!killed) process.kill(helper.pid!, 'SIGKILL');
        killed = true;
      },
      onStored: () => undefined,
    });
    await expect(dying).rejects.toThrow(/pull helper exited unexpectedly \(SIGKILL\)/);
    const again = await helper.fill(job(0), { onProgress: () => undefined, onStored: () => undefined });
    expect(again.diffId).toBe(img.layers[0]!.diffId);
  });

  it("rejects with the signal's reason when aborted, and removes its ingest", async () => {
    await content.delete(img.layers[1]!.digest);
    const helper = new PullHelper(300);
    const ac = new AbortController();
    const j = job(1);
    const aborted = helper.fill(
      j,
      { onProgress: () => ac.abort(new Error('client went away')), onStored: () => undefined },
      ac.signal,
    );
    await expect(aborted).rejects.toThrow('client went away');
    expect(readdirSync(join(root, 'ingest'))).not.toContain(j.ingestPath.split('/').at(-1));
    expect(await content.has(img.layers[1]!.digest)).toBe(false);
  });
});
