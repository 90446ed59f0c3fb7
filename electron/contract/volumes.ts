// The volumes part of the bridge contract: list (with size and users), create, remove, prune with a
// preview, browse files, and chunked transfers (download a file or the whole volume as a tar, import
// a tar). Bytes cross the bridge base64-encoded in bounded chunks, pulled one at a time.
import { z } from 'zod';
import { method } from './define.js';

export interface VolumeUser {
  id: string;
  name: string;
  /** The container's state: running, exited, created, paused, … */
  state: string;
  running: boolean;
  /** Where the container mounts the volume. */
  destination: string;
  readOnly: boolean;
}

export interface VolumeInfo {
  name: string;
  driver: string;
  mountpoint: string;
  scope: string;
  /** ISO time, when the engine reports it. */
  createdAt: string | null;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** Created without a name (the com.docker.volume.anonymous label). */
  anonymous: boolean;
  /** Bytes on disk, from GET /system/df; null when the engine did not compute it. */
  size: number | null;
  /** The containers (running or not) that mount it. */
  users: VolumeUser[];
}

export interface VolumePrunePreview {
  /** Named volumes included (else only anonymous ones, as `docker volume prune` does). */
  all: boolean;
  volumes: { name: string; size: number | null; anonymous: boolean }[];
  /** Sum of the sizes above. */
  space: number;
}

export interface VolumeRemoveFailure {
  name: string;
  message: string;
  status?: number;
}

export interface VolumePruneResult {
  removed: string[];
  failed: VolumeRemoveFailure[];
  spaceReclaimed: number;
}

export type VolumeEntryType = 'directory' | 'file' | 'symlink' | 'other';

export interface VolumeEntry {
  name: string;
  /** Path from the volume's root, starting with '/'. */
  path: string;
  type: VolumeEntryType;
  /** Bytes: the file's size, or everything below a directory. */
  size: number;
  /** Permission bits (0o755 …). */
  mode: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  linkTarget?: string;
}

export interface VolumeListing {
  /** The listed directory, from the volume's root ('/' for the root). */
  path: string;
  /** Directories first, then by name. */
  entries: VolumeEntry[];
  /** More entries than the listing carries (the first VOLUME_LIST_LIMIT are shown). */
  truncated: boolean;
}

export interface DownloadInfo {
  id: string;
  /** A file name to save as. */
  fileName: string;
  /** Total bytes when known up front (a single file), else null (a tar being produced). */
  size: number | null;
}

export interface DownloadChunk {
  /** base64 bytes; empty at the end. */
  data: string;
  /** Bytes sent so far, this chunk included. */
  bytes: number;
  /** True on the last chunk; the transfer is released. */
  done: boolean;
}

/** Largest chunk (raw bytes) a transfer moves per call, both ways. */
export const VOLUME_CHUNK_BYTES = 1024 * 1024;
/** Entries a listing carries at most. */
export const VOLUME_LIST_LIMIT = 5000;

/** Docker's volume name grammar. */
export const volumeName = z
  .string()
  .min(2)
  .max(255)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'letters, digits, _ . - only, starting with a letter or digit');

/** A path inside a volume, from its root. */
const volumePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, 'a path starting with /')
  .refine((p) => !p.includes('\0'), 'no NUL characters');

const transferId = z.string().regex(/^[a-f0-9]{8,64}$/, 'a transfer id');
const stringMap = z
  .record(z.string().min(1).max(256), z.string().max(4096))
  .refine((m) => Object.keys(m).length <= 100, 'at most 100 entries');
// base64 of VOLUME_CHUNK_BYTES, rounded up, with room for padding.
const chunkData = z
  .string()
  .max(Math.ceil(VOLUME_CHUNK_BYTES / 3) * 4 + 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const volumeMethods = {
  /** Every volume with its size and users, by name. */
  'volumes.list': method<VolumeInfo[]>()(z.object({}).strict()),
  'volumes.inspect': method<VolumeInfo>()(z.object({ name: volumeName }).strict()),
  /** No name: the engine picks a random one. */
  'volumes.create': method<VolumeInfo>()(
    z
      .object({
        name: volumeName.optional(),
        driver: z
          .string()
          .trim()
          .min(1)
          .max(256)
          .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.:/-]*$/, 'a driver name')
          .default('local'),
        driverOpts: stringMap.default({}),
        labels: stringMap.default({}),
      })
      .strict(),
  ),
  /** A volume in use answers 409 with the engine's message; `force` does not override that. */
  'volumes.remove': method<void>()(
    z.object({ name: volumeName, force: z.boolean().default(false) }).strict(),
  ),
  /** What `volumes.prune` would remove: unused volumes, anonymous only unless `all`. */
  'volumes.prunePreview': method<VolumePrunePreview>()(
    z.object({ all: z.boolean().default(false) }).strict(),
  ),
  /** Removes exactly the volumes listed (from a preview); one still in use is reported, not forced. */
  'volumes.prune': method<VolumePruneResult>()(z.object({ names: z.array(volumeName).max(10_000) }).strict()),
  /** Lists one directory of the volume. */
  'volumes.browse': method<VolumeListing>()(
    z.object({ name: volumeName, path: volumePath.default('/') }).strict(),
  ),
  /**
   * Starts a download: `format: 'file'` the bytes of one regular file, `'tar'` a tar of `path` (the
   * whole volume by default, entries relative to it). Read it with `volumes.downloadRead`.
   */
  'volumes.downloadStart': method<DownloadInfo>()(
    z.object({ name: volumeName, path: volumePath.default('/'), format: z.enum(['file', 'tar']) }).strict(),
  ),
  /** The next chunk (at most VOLUME_CHUNK_BYTES). */
  'volumes.downloadRead': method<DownloadChunk>()(z.object({ id: transferId }).strict()),
  'volumes.downloadCancel': method<void>()(z.object({ id: transferId }).strict()),
  /** Starts an import of a tar into a volume (created first when `create` and missing). */
  'volumes.importStart': method<{ id: string }>()(
    z.object({ name: volumeName, create: z.boolean().default(false) }).strict(),
  ),
  /** Appends the next chunk; `offset` must equal the bytes received so far. */
  'volumes.importChunk': method<{ bytes: number }>()(
    z
      .object({
        id: transferId,
        offset: z
          .number()
          .int()
          .min(0)
          .max(2 ** 50),
        data: chunkData,
      })
      .strict(),
  ),
  /** Extracts the received tar into the volume (files with the same names are replaced). */
  'volumes.importFinish': method<{ bytes: number }>()(z.object({ id: transferId }).strict()),
  'volumes.importCancel': method<void>()(z.object({ id: transferId }).strict()),
};

export const volumeTopics = {};

/** Label on the short-lived containers the app creates to read and write volumes (never started). */
export const VOLUME_HELPER_LABEL = 'io.berth.volume-helper';
