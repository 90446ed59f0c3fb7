import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic, fsyncDir } from './atomic-file.js';
import { hexOf, isSha256Digest } from './digest.js';
import { SystemError } from '../errors.js';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent?: string;
  /** Unpacked size as docker counts it. */
  size: number;
}

export interface UnpackedLayer {
  diffId: string;
  size: number;
}

/**
 * Unpacked layers, one directory per chain ID (`layers/<hex>/diff`, an overlayfs lower dir), shared by
 * every image that uses them. A layer is filled in `layers/.tmp/<random>`, its metadata written, and
 * the directory renamed into place: a layer directory that exists is complete.
 */
export class LayerStore {
  private readonly root: string;
  private readonly tmpRoot: string;
  private readonly layers = new Map<string, LayerRecord>();
  private readonly creating = new Map<string, Promise<LayerRecord>>();

  constructor(root: string) {
    this.root = join(root, 'layers');
    this.tmpRoot = join(this.root, '.tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await rm(this.tmpRoot, { recursive: true, force: true });
    await mkdir(this.tmpRoot, { recursive: true });
    for (const name of await readdir(this.root)) {
      const chainId = `sha256:${name}`;
      if (!isSha256Digest(chainId)) continue;
      try {
        const rec = JSON.parse(await readFile(join(this.root, name, 'layer.json'), 'utf8')) as LayerRecord;
        this.layers.set(chainId, rec);
      } catch {
        // A directory without readable metadata cannot be trusted: remove it, a pull will recreate it.
        await rm(join(this.root, name), { recursive: true, force: true });
      }
    }
  }

  get(chainId: string): LayerRecord | undefined {
    return this.layers.get(chainId);
  }

  has(chainId: string): boolean {
    return this.layers.has(chainId);
  }

  all(): LayerRecord[] {
    return [...this.layers.values()];
  }

  diffPath(chainId: string): string {
    return join(this.root, hexOf(chainId), 'diff');
  }

  /**
   * Creates the layer `chainId` by letting `fill` unpack into an empty directory, then checks the diff ID
   * it reports. Concurrent calls for the same chain ID share one creation.
   */
  async create(
    chainId: string,
    expectedDiffId: string,
    parent: string | undefined,
    fill: (dir: string) => Promise<UnpackedLayer>,
  ): Promise<LayerRecord> {
    const existing = this.layers.get(chainId);
    if (existing) return existing;
    const pending = this.creating.get(chainId);
    if (pending) return pending;
    const work = this.doCreate(chainId, expectedDiffId, parent, fill).finally(() =>
      this.creating.delete(chainId),
    );
    this.creating.set(chainId, work);
    return work;
  }

  private async doCreate(
    chainId: string,
    expectedDiffId: string,
    parent: string | undefined,
    fill: (dir: string) => Promise<UnpackedLayer>,
  ): Promise<LayerRecord> {
    const tmp = join(this.tmpRoot, randomBytes(12).toString('hex'));
    const diff = join(tmp, 'diff');
    await mkdir(diff, { recursive: true, mode: 0o755 });
    try {
      const result = await fill(diff);
      if (result.diffId !== expectedDiffId) {
        throw new SystemError(
          `failed to register layer: layer content digest ${result.diffId} does not match the image's diff ID ${expectedDiffId}`,
        );
      }
      const rec: LayerRecord = { chainId, diffId: result.diffId, size: result.size };
      if (parent) rec.parent = parent;
      await writeFileAtomic(join(tmp, 'layer.json'), JSON.stringify(rec));
      await rename(tmp, join(this.root, hexOf(chainId)));
      await fsyncDir(this.root);
      this.layers.set(chainId, rec);
      return rec;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Removes a layer: first renamed out of sight, then deleted, so a crash never leaves half a layer. */
  async delete(chainId: string): Promise<void> {
    if (!this.layers.delete(chainId)) return;
    const doomed = join(this.tmpRoot, `rm-${hexOf(chainId)}`);
    await rename(join(this.root, hexOf(chainId)), doomed);
    await rm(doomed, { recursive: true, force: true });
  }
}
