/**
 * Docker volumes on the local driver: each volume is `<dataRoot>/volumes/<name>/_data` (dockerd's
 * layout) with its metadata beside it in `volume.json`, replaced atomically. Volumes with driver
 * options (tmpfs, bind, a device) are mounted on their `_data` while containers use them.
 */
import { lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../events.js';
import { ConflictError, NotFoundError, SystemError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from '../store/atomic-file.js';
import { ANONYMOUS_LABEL, isValidVolumeName, randomVolumeName, validateVolumeName } from './names.js';
import { mountArgs, needsMount, sameOptions, validateDriverOptions } from './options.js';
import { isMountPoint, mount, unmount, unmountAllUnder } from './mounts.js';
import { directorySize } from '../store/disk-usage.js';
import { applyAttributes, copyTree, resolveInRoot } from './seed.js';
import { boolFilter, labelsExclude, labelsMatch, nameMatches } from './filters.js';

const META_FILE = 'volume.json';
const DATA_DIR = '_data';
const TRASH_PREFIX = '.removing-';

/** What we persist per volume. */
export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** RFC 3339, seconds precision, as dockerd shows it. */
  createdAt: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Created without a name (dockerd: the `com.docker.volume.anonymous` label). */
  anonymous: boolean;
  /** Image content was copied in once; never again, even if the volume is emptied later. */
  populated: boolean;
}

/** A volume as the Engine API shows it. */
export interface VolumeView {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number };
}

export interface CreateVolumeOptions {
  /** Empty or missing: an anonymous volume with a random 64-hex name. */
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** Local driver options: `type`, `device`, `o` (and `size`, refused without quota support). */
  options?: Record<string, string>;
  /** Mark a named volume anonymous (containers' `-v /path` volumes get random names anyway). */
  anonymous?: boolean;
}

export interface MountOptions {
  container?: string;
  destination?: string;
  readWrite?: boolean;
  propagation?: string;
  /** Re-taking a reference for an adopted running container: no event. */
  restore?: boolean;
}

export interface PruneResult {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

export type VolumeFilters = ReadonlyMap<string, readonly string[]>;

export interface VolumeServiceOptions {
  dataRoot: string;
  events: EventBus;
  /** IDs of the containers that use a volume (the container service provides this). */
  usage?: (name: string) => string[];
}

interface MountState {
  refs: number;
  mounted: boolean;
  containers: Map<string, number>;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export class VolumeService {
  readonly root: string;
  /** Replaceable: the container service sets it once it exists. */
  usage: (name: string) => string[];
  private readonly events: EventBus;
  private readonly records = new Map<string, VolumeRecord>();
  private readonly mounts = new Map<string, MountState>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(opts: VolumeServiceOptions) {
    this.root = join(opts.dataRoot, 'volumes');
    this.events = opts.events;
    this.usage = opts.usage ?? (() => []);
  }

  /** Loads every volume, finishes interrupted removals and notices volumes still mounted. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o701 });
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.root, entry.name);
      if (entry.name.startsWith(TRASH_PREFIX)) {
        await this.deleteTree(dir).catch(() => undefined);
        continue;
      }
      if (!isValidVolumeName(entry.name)) continue;
      const rec = await this.loadRecord(entry.name);
      if (!rec) continue;
      this.records.set(rec.name, rec);
      if (needsMount(rec.options) && (await isMountPoint(this.mountpoint(rec.name)))) {
        this.mounts.set(rec.name, { refs: 0, mounted: true, containers: new Map() });
      }
    }
  }

  private async loadRecord(name: string): Promise<VolumeRecord | undefined> {
    const dir = join(this.root, name);
    for (const e of await readdir(dir)) {
      if (e.startsWith('.tmp-')) await rm(join(dir, e), { force: true });
    }
    try {
      const rec = JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as Partial<VolumeRecord>;
      return {
        name,
        driver: 'local',
        createdAt: rec.createdAt ?? rfc3339(new Date()),
        labels: rec.labels ?? {},
        options: rec.options ?? {},
        anonymous: rec.anonymous ?? false,
        populated: rec.populated ?? false,
      };
    } catch {
      // No metadata (created by hand, or a crash before it was written): adopt the directory as
      // dockerd adopts whatever is under volumes/.
      let created: Date;
      try {
        created = (await stat(join(dir, DATA_DIR))).mtime;
      } catch {
        await mkdir(join(dir, DATA_DIR), { mode: 0o755 });
        created = new Date();
      }
      const rec: VolumeRecord = {
        name,
        driver: 'local',
        createdAt: rfc3339(created),
        labels: {},
        options: {},
        anonymous: false,
        populated: false,
      };
      await this.save(rec);
      return rec;
    }
  }

  private save(rec: VolumeRecord): Promise<void> {
    return writeFileAtomic(
      join(this.root, rec.name, META_FILE),
      JSON.stringify({ version: 1, ...rec }) + '\n',
    );
  }

  /** Runs `fn` with the volume's name locked, so create/remove/mount of one name never interleave. */
  private async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }

  mountpoint(name: string): string {
    return join(this.root, name, DATA_DIR);
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  /** The volume's record; 404 with dockerd's wording if it does not exist. */
  get(name: string): VolumeRecord {
    const rec = this.records.get(name);
    if (!rec) throw new NotFoundError(`get ${name}: no such volume`);
    return rec;
  }

  /** Containers using the volume: the container service's view plus live mount references. */
  users(name: string): string[] {
    const ids = new Set(this.usage(name));
    for (const id of this.mounts.get(name)?.containers.keys() ?? []) ids.add(id);
    return [...ids];
  }

  private inUse(name: string): boolean {
    return this.users(name).length > 0 || (this.mounts.get(name)?.refs ?? 0) > 0;
  }

  view(rec: VolumeRecord): VolumeView {
    return {
      CreatedAt: rec.createdAt,
      Driver: rec.driver,
      Labels: { ...rec.labels },
      Mountpoint: this.mountpoint(rec.name),
      Name: rec.name,
      Options: { ...rec.options },
      Scope: 'local',
    };
  }

  inspect(name: string): VolumeView {
    return this.view(this.get(name));
  }

  /**
   * Creates a volume, or returns the existing one of that name (dockerd is idempotent); asking for
   * different driver options than an existing volume has is a conflict.
   */
  async create(opts: CreateVolumeOptions = {}): Promise<VolumeView> {
    const driver = opts.driver || 'local';
    const anonymous = !opts.name || opts.anonymous === true;
    const name = opts.name || randomVolumeName();
    validateVolumeName(name);
    if (driver !== 'local') {
      throw new NotFoundError(
        `create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`,
      );
    }
    const options = { ...(opts.options ?? {}) };
    validateDriverOptions(name, options);
    const labels = { ...(opts.labels ?? {}) };
    if (anonymous) labels[ANONYMOUS_LABEL] = labels[ANONYMOUS_LABEL] ?? '';
    return this.withLock(name, async () => {
      const existing = this.records.get(name);
      if (existing) {
        if (Object.keys(options).length > 0 && !sameOptions(existing.options, options)) {
          throw new ConflictError(`create ${name}: volume already exists with different driver options`);
        }
        return this.view(existing);
      }
      const rec: VolumeRecord = {
        name,
        driver: 'local',
        createdAt: rfc3339(new Date()),
        labels,
        options,
        anonymous,
        populated: false,
      };
      await mkdir(this.root, { recursive: true, mode: 0o701 });
      await mkdir(join(this.root, name), { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      await mkdir(this.mountpoint(name), { recursive: true, mode: 0o755 });
      await this.save(rec);
      this.records.set(name, rec);
      this.events.emit('volume', 'create', name, { driver: 'local' });
      return this.view(rec);
    });
  }

  /** Volumes matching `dangling`, `name`, `label` and `driver` filters, sorted by name. */
  list(filters: VolumeFilters = new Map()): VolumeView[] {
    const dangling = boolFilter('dangling', filters.get('dangling') ?? []);
    const names = filters.get('name');
    const labels = filters.get('label');
    const drivers = filters.get('driver');
    return [...this.records.values()]
      .filter((rec) => {
        if (dangling !== undefined && this.inUse(rec.name) === dangling) return false;
        if (names?.length && !nameMatches(rec.name, names)) return false;
        if (labels?.length && !labelsMatch(rec.labels, labels)) return false;
        if (drivers?.length && !drivers.includes(rec.driver)) return false;
        return true;
      })
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((rec) => this.view(rec));
  }

  /**
   * Removes a volume and its data. In use → 409 naming the containers. `force` makes a missing
   * volume a success (dockerd's purge-on-error), not an in-use one removable.
   */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.withLock(name, async () => {
      if (!this.records.has(name)) {
        if (opts.force) return;
        this.get(name);
      }
      const users = this.users(name);
      if (users.length > 0 || (this.mounts.get(name)?.refs ?? 0) > 0) {
        throw new ConflictError(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      }
      await this.destroy(name);
    });
  }

  /** Unmounts, renames the directory aside (the volume disappears atomically), then deletes it. */
  private async destroy(name: string): Promise<void> {
    const dir = join(this.root, name);
    await unmountAllUnder(dir);
    const trash = join(this.root, `${TRASH_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
    await rename(dir, trash);
    await fsyncDir(this.root);
    this.records.delete(name);
    this.mounts.delete(name);
    this.events.emit('volume', 'destroy', name, { driver: 'local' });
    await this.deleteTree(trash).catch(() => undefined); // init() retries leftovers
  }

  /** Deletes a tree only once nothing is mounted inside it (a bind volume must not take host data). */
  private async deleteTree(dir: string): Promise<void> {
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }

  /**
   * Removes unused volumes matching `label`/`label!`. Only anonymous ones unless `all` (API ≥ 1.42
   * semantics; the route passes `all` for older requests).
   */
  async prune(filters: VolumeFilters = new Map(), opts: { all?: boolean } = {}): Promise<PruneResult> {
    const all = opts.all || boolFilter('all', filters.get('all') ?? []) === true;
    const want = filters.get('label') ?? [];
    const unwanted = filters.get('label!') ?? [];
    const result: PruneResult = { VolumesDeleted: [], SpaceReclaimed: 0 };
    for (const rec of [...this.records.values()]) {
      if (!all && !rec.anonymous && !(ANONYMOUS_LABEL in rec.labels)) continue;
      if (!labelsMatch(rec.labels, want) || !labelsExclude(rec.labels, unwanted)) continue;
      await this.withLock(rec.name, async () => {
        if (!this.records.has(rec.name) || this.inUse(rec.name)) return;
        const size = await directorySize(this.mountpoint(rec.name));
        await this.destroy(rec.name);
        result.VolumesDeleted.push(rec.name);
        result.SpaceReclaimed += size;
      });
    }
    this.events.emit('volume', 'prune', '', { reclaimed: String(result.SpaceReclaimed) });
    return result;
  }

  /**
   * Takes a reference for a container starting with this volume; mounts tmpfs/bind/device volumes on
   * the first one. Returns the host path to bind into the container.
   */
  async mount(name: string, opts: MountOptions = {}): Promise<string> {
    return this.withLock(name, async () => {
      const rec = this.get(name);
      const path = this.mountpoint(name);
      const state = this.mounts.get(name) ?? {
        refs: 0,
        mounted: false,
        containers: new Map<string, number>(),
      };
      if (needsMount(rec.options) && !state.mounted) {
        if (!(await isMountPoint(path))) {
          try {
            await mount(mountArgs(rec.options, path));
          } catch (err) {
            throw new SystemError(
              `error while mounting volume '${path}': failed to mount local volume: ${(err as Error).message}`,
            );
          }
        }
        state.mounted = true;
      }
      state.refs++;
      if (opts.container)
        state.containers.set(opts.container, (state.containers.get(opts.container) ?? 0) + 1);
      this.mounts.set(name, state);
      if (!opts.restore) {
        const attrs: Record<string, string> = { driver: 'local' };
        if (opts.container) attrs.container = opts.container;
        if (opts.destination) attrs.destination = opts.destination;
        if (opts.readWrite !== undefined) attrs['read/write'] = String(opts.readWrite);
        if (opts.propagation !== undefined) attrs.propagation = opts.propagation;
        this.events.emit('volume', 'mount', name, attrs);
      }
      return path;
    });
  }

  /** Drops a reference; unmounts a tmpfs/bind/device volume when the last one goes. */
  async unmount(name: string, opts: Pick<MountOptions, 'container' | 'destination'> = {}): Promise<void> {
    await this.withLock(name, async () => {
      const rec = this.get(name);
      const state = this.mounts.get(name);
      if (state) {
        if (state.refs > 0) state.refs--;
        const c = opts.container ? state.containers.get(opts.container) : undefined;
        if (opts.container && c !== undefined) {
          if (c > 1) state.containers.set(opts.container, c - 1);
          else state.containers.delete(opts.container);
        }
        if (state.refs === 0 && state.mounted && needsMount(rec.options)) {
          await unmount(this.mountpoint(name));
          state.mounted = false;
        }
        if (state.refs === 0 && !state.mounted) this.mounts.delete(name);
      }
      const attrs: Record<string, string> = { driver: 'local' };
      if (opts.container) attrs.container = opts.container;
      if (opts.destination) attrs.destination = opts.destination;
      this.events.emit('volume', 'unmount', name, attrs);
    });
  }

  /**
   * Copies the image's content at the mount path into the volume if the volume is empty and was never
   * populated. `sourceDir` is a host path; with `rootfs` it is a path inside that root, resolved with
   * symlinks confined to it. Returns true if anything was copied. For tmpfs/bind volumes call it
   * after mount(), and it copies into the mounted filesystem (and may again next time).
   */
  async seedFromImage(name: string, sourceDir: string, rootfs?: string): Promise<boolean> {
    return this.withLock(name, async () => {
      const rec = this.get(name);
      if (rec.populated) return false;
      const dest = this.mountpoint(name);
      if ((await readdir(dest)).length > 0) return false;
      const src = rootfs === undefined ? sourceDir : await resolveInRoot(rootfs, sourceDir);
      let st;
      try {
        st = await lstat(src, { bigint: true });
      } catch {
        return false;
      }
      if (!st.isDirectory()) return false;
      let copied: number;
      try {
        copied = await copyTree(src, dest);
      } catch (err) {
        // Leave the volume empty rather than half-seeded, so the next start tries again.
        for (const e of await readdir(dest)) await rm(join(dest, e), { recursive: true, force: true });
        throw new SystemError(`cannot copy image content into volume ${name}: ${(err as Error).message}`);
      }
      await applyAttributes(dest, st, false);
      if (copied > 0 && !needsMount(rec.options)) {
        rec.populated = true;
        await this.save(rec);
      }
      return copied > 0;
    });
  }

  /** `GET /system/df`'s `Volumes`: each volume with its size on disk and reference count. */
  async dfVolumes(): Promise<VolumeView[]> {
    const recs = [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name));
    const sizes = await Promise.all(recs.map((rec) => directorySize(this.mountpoint(rec.name))));
    return recs.map((rec, i) => ({
      ...this.view(rec),
      UsageData: { Size: sizes[i]!, RefCount: this.users(rec.name).length },
    }));
  }
}
