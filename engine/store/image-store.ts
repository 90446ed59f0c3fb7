import { readFile, mkdir, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export interface ImageLayer {
  /** Digest of the blob as stored/distributed (compressed). */
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
  chainId: string;
  /** Size of the unpacked layer (what docker reports per layer). */
  unpackedSize: number;
}

export interface ImageRecord {
  /** Image ID: the digest of the config blob. */
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** The index a pull resolved through, when the tag pointed at a manifest list. */
  indexDigest?: string;
  layers: ImageLayer[];
  /** `created` from the image config (RFC 3339), if any. */
  created?: string;
  labels: Record<string, string>;
  os: string;
  architecture: string;
  variant?: string;
  /** Sum of the unpacked sizes of the layers. */
  size: number;
  lastTagTime?: string;
  addedAt: string;
}

interface MetadataFile {
  version: 1;
  images: Record<string, ImageRecord>;
  /**
   * References → image ID: tags (`docker.io/library/busybox:latest`) and repo digests
   * (`docker.io/library/busybox@sha256:…`), like dockerd's reference store.
   */
  refs: Record<string, string>;
}

export interface ImageState {
  images: Map<string, ImageRecord>;
  refs: Map<string, string>;
}

/**
 * Image and reference metadata, held in memory and persisted as one file replaced atomically on every
 * change, so images and their references always change together. Updates are serialized.
 */
export class ImageStore {
  private readonly file: string;
  private state: ImageState = { images: new Map(), refs: new Map() };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    this.file = join(root, 'metadata', 'images.json');
  }

  async init(): Promise<void> {
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true });
    // A crash mid-write leaves writeFileAtomic's temp file behind; the real file is intact.
    for (const name of await readdir(dir)) {
      if (name.startsWith(`.tmp-${basename(this.file)}-`)) await rm(join(dir, name), { force: true });
    }
    let raw: string;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const data = JSON.parse(raw) as MetadataFile;
    this.state = {
      images: new Map(Object.entries(data.images)),
      refs: new Map(Object.entries(data.refs)),
    };
  }

  get(id: string): ImageRecord | undefined {
    return this.state.images.get(id);
  }

  all(): ImageRecord[] {
    return [...this.state.images.values()];
  }

  refTarget(ref: string): string | undefined {
    return this.state.refs.get(ref);
  }

  refEntries(): Array<[string, string]> {
    return [...this.state.refs.entries()];
  }

  /** References (full strings) per image ID. */
  refsByImage(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [ref, id] of this.state.refs) {
      const list = out.get(id);
      if (list) list.push(ref);
      else out.set(id, [ref]);
    }
    return out;
  }

  refsOf(id: string): string[] {
    const out: string[] = [];
    for (const [ref, target] of this.state.refs) if (target === id) out.push(ref);
    return out;
  }

  /**
   * Runs `fn` on a copy of the state and persists the result atomically; the in-memory state changes
   * only if the write succeeds. Returns what `fn` returns.
   */
  update<T>(fn: (state: ImageState) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const draft: ImageState = { images: new Map(this.state.images), refs: new Map(this.state.refs) };
      const result = fn(draft);
      const data: MetadataFile = {
        version: 1,
        images: Object.fromEntries(draft.images),
        refs: Object.fromEntries(draft.refs),
      };
      await writeFileAtomic(this.file, JSON.stringify(data));
      this.state = draft;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
