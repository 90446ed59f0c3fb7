import type { ContentStore } from '../store/content-store.js';
import type { LayerStore } from '../store/layer-store.js';
import type { ImageRecord, ImageStore } from '../store/image-store.js';
import type { EventBus } from '../events.js';
import { ConflictError, InvalidArgumentError } from '../errors.js';
import { isValidTag } from '../reference/index.js';
import {
  familiarName,
  familiarString,
  fullString,
  isDigestRef,
  parseReference,
  resolveImage,
  storedRef,
  type Resolved,
} from './references.js';
import { Leases } from './leases.js';
import { collectGarbage } from './gc.js';

/** Which containers use an image; filled in by the container service. */
export interface ImageUsage {
  running: string[];
  stopped: string[];
}

export interface ImageServiceDeps {
  content: ContentStore;
  layers: LayerStore;
  store: ImageStore;
  events: EventBus;
  /** Containers using an image (empty until the container service plugs in). */
  usage?: (imageId: string) => ImageUsage;
  /** Layers (chain IDs) that containers build on and must stay. */
  layersInUse?: () => Iterable<string>;
}

export interface DeleteRecord {
  Untagged?: string;
  Deleted?: string;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Images: the local half (lookup, tag, remove, prune, garbage collection). Pull/push/archive build on it. */
export class ImageService {
  readonly leases = new Leases();
  private gcRunning: Promise<void> | undefined;

  constructor(readonly deps: ImageServiceDeps) {}

  get store(): ImageStore {
    return this.deps.store;
  }

  count(): number {
    return this.deps.store.all().length;
  }

  resolve(input: string): Resolved {
    return resolveImage(this.deps.store, input);
  }

  usage(id: string): ImageUsage {
    return this.deps.usage?.(id) ?? { running: [], stopped: [] };
  }

  /** Fires an image event the way dockerd labels them (name attribute plus the image's labels). */
  emit(action: string, id: string, name?: string): void {
    // `id` is an image ID, or a reference for pull/push events (dockerd looks those up too).
    let labels = this.deps.store.get(id)?.labels;
    if (!labels) {
      try {
        labels = this.resolve(id).image.labels;
      } catch {
        labels = {};
      }
    }
    const attrs: Record<string, string> = { ...labels };
    if (name !== undefined) attrs.name = name;
    this.deps.events.emit('image', action, id, attrs);
  }

  /** `POST /images/{name}/tag`. */
  async tag(source: string, repo: string, tag: string | undefined): Promise<void> {
    const { image } = this.resolve(source);
    if (!repo) throw new InvalidArgumentError('repository name must have at least one component');
    if (tag && !isValidTag(tag)) throw new InvalidArgumentError(`invalid tag format`);
    const target = parseReference(tag ? `${repo}:${tag}` : repo, { defaultTag: true });
    if (target.digest) throw new InvalidArgumentError('refusing to create a tag with a digest reference');
    const full = fullString(target);
    await this.deps.store.update((s) => {
      s.refs.set(full, image.id);
      s.images.set(image.id, { ...image, lastTagTime: new Date().toISOString() });
    });
    this.emit('tag', image.id, familiarString(target));
  }

  /** Records a reference for an image (after pull/load/import), returning the image it replaced. */
  async setRef(ref: string, id: string): Promise<string | undefined> {
    return this.deps.store.update((s) => {
      const previous = s.refs.get(ref);
      s.refs.set(ref, id);
      const image = s.images.get(id);
      if (image && !isDigestRef(ref)) s.images.set(id, { ...image, lastTagTime: new Date().toISOString() });
      return previous;
    });
  }

  /** `DELETE /images/{name}`: dockerd's untag/delete semantics. */
  async remove(input: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<DeleteRecord[]> {
    const force = opts.force ?? false;
    const { image, ref } = this.resolve(input);
    const records: DeleteRecord[] = [];
    let repoRefs = this.deps.store.refsOf(image.id);
    const usage = this.usage(image.id);

    if (ref) {
      // Removing by reference: untag it; delete the image only if nothing else refers to it.
      // dockerd's rule: one repository's references (a tag plus its digests, as after a pull).
      if (!force && isSingleReference(repoRefs) && usage.running.length + usage.stopped.length > 0) {
        const ctr = usage.running[0] ?? usage.stopped[0]!;
        throw new ConflictError(
          `conflict: unable to remove repository reference "${input}" (must force) - container ${shortId(ctr)} is using its referenced image ${shortId(image.id)}`,
        );
      }
      await this.untag([ref], image.id, records);
      repoRefs = repoRefs.filter((r) => r !== ref);
      const removed = storedRef(ref);
      if (!removed.digest) {
        // If only digest references of the same repository remain, they go too.
        const repo = familiarName(removed);
        const sameRepo = repoRefs.filter((r) => familiarName(storedRef(r)) === repo);
        if (sameRepo.length > 0 && sameRepo.every(isDigestRef)) {
          await this.untag(sameRepo, image.id, records);
          repoRefs = repoRefs.filter((r) => !sameRepo.includes(r));
        }
      }
      if (repoRefs.length > 0) return records;
    } else if (isSingleReference(repoRefs)) {
      if (usage.running.length > 0) throw runningConflict(image.id, usage.running[0]!);
      if (!force && usage.stopped.length > 0) throw stoppedConflict(image.id, usage.stopped[0]!);
      await this.untag(repoRefs, image.id, records);
    }

    const conflict = this.deleteConflict(image.id, usage, force);
    // Having untagged the last reference, a conflict just means the image stays (dockerd's "quiet" mode).
    if (conflict) {
      if (ref) return records;
      throw conflict;
    }
    await this.untag(this.deps.store.refsOf(image.id), image.id, records);
    records.push(...(await this.deleteImage(image)));
    return records;
  }

  private deleteConflict(id: string, usage: ImageUsage, force: boolean): ConflictError | undefined {
    if (usage.running.length > 0) return runningConflict(id, usage.running[0]!);
    if (force) return undefined;
    if (this.deps.store.refsOf(id).length > 0) {
      return new ConflictError(
        `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
      );
    }
    if (usage.stopped.length > 0) return stoppedConflict(id, usage.stopped[0]!);
    return undefined;
  }

  private async untag(refs: string[], id: string, records: DeleteRecord[]): Promise<void> {
    if (refs.length === 0) return;
    await this.deps.store.update((s) => {
      for (const r of refs) s.refs.delete(r);
    });
    for (const r of refs) {
      const parsed = storedRef(r);
      const familiar = parsed.digest ? `${familiarName(parsed)}@${parsed.digest}` : familiarString(parsed);
      records.push({ Untagged: familiar });
      this.emit('untag', id, familiar);
    }
  }

  /** Deletes an image record and the layers only it used; returns dockerd's `Deleted` records. */
  async deleteImage(image: ImageRecord): Promise<DeleteRecord[]> {
    await this.deps.store.update((s) => {
      s.images.delete(image.id);
      for (const [r, id] of s.refs) if (id === image.id) s.refs.delete(r);
    });
    // dockerd names the image by its ID in delete events.
    this.emit('delete', image.id, image.id);
    const stillUsed = this.usedLayers();
    const records: DeleteRecord[] = [{ Deleted: image.id }];
    for (const layer of [...image.layers].reverse()) {
      if (stillUsed.has(layer.chainId) || !this.deps.layers.has(layer.chainId)) continue;
      await this.deps.layers.delete(layer.chainId);
      records.push({ Deleted: layer.chainId });
    }
    await this.gc();
    return records;
  }

  /** Chain IDs referenced by images, containers or in-flight work. */
  usedLayers(): Set<string> {
    const used = new Set<string>(this.leases.layers());
    for (const img of this.deps.store.all()) for (const l of img.layers) used.add(l.chainId);
    for (const chainId of this.deps.layersInUse?.() ?? []) used.add(chainId);
    return used;
  }

  /** Mark-and-sweep of blobs and layers nothing refers to. Runs one at a time. */
  gc(): Promise<void> {
    const run = async () => {
      await collectGarbage({
        content: this.deps.content,
        layers: this.deps.layers,
        images: this.deps.store.all(),
        leases: this.leases,
        layersInUse: this.deps.layersInUse?.() ?? [],
      });
    };
    const next = (this.gcRunning ?? Promise.resolve()).then(run, run);
    this.gcRunning = next.catch(() => undefined);
    return next;
  }
}

/**
 * True when an image's references are one repository: at most one tag, plus digest references of that
 * same repository (dockerd's rule for removing by ID without force).
 */
export function isSingleReference(refs: readonly string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let tag: string | undefined;
  const digestRepos = new Set<string>();
  for (const r of refs) {
    const parsed = storedRef(r);
    if (parsed.digest) digestRepos.add(familiarName(parsed));
    else if (tag === undefined) tag = familiarName(parsed);
    else return false;
  }
  const single = tag ?? familiarName(storedRef(refs[0]!));
  return digestRepos.size === 1 && digestRepos.has(single);
}

function runningConflict(imageId: string, ctr: string): ConflictError {
  return new ConflictError(
    `conflict: unable to delete ${shortId(imageId)} (cannot be forced) - image is being used by running container ${shortId(ctr)}`,
  );
}

function stoppedConflict(imageId: string, ctr: string): ConflictError {
  return new ConflictError(
    `conflict: unable to delete ${shortId(imageId)} (must be forced) - image is being used by stopped container ${shortId(ctr)}`,
  );
}
