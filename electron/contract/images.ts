// Images: the list (with in-use / unused / dangling), inspect, history, tag, remove, prune (with a
// preview), pull and push with per-layer progress, and registry logins kept in the docker CLI's
// config.json so `docker` and Berth share them.
import { z } from 'zod';
import { method, topic } from './define.js';

export interface ImageSummary {
  /** sha256:… */
  id: string;
  /** name:tag references, `<none>:<none>` left out. */
  repoTags: string[];
  /** name@sha256:… references, `<none>@<none>` left out. */
  repoDigests: string[];
  /** Bytes, layers included. */
  size: number;
  /** Bytes shared with other images; -1 when the engine does not say. */
  sharedSize: number;
  /** Seconds since the epoch (0 when unknown). */
  created: number;
  labels: Record<string, string>;
  /** Containers (any state) created from this image. */
  containers: number;
  runningContainers: number;
  /** Some container, running or not, uses it. */
  inUse: boolean;
  /** It has no tag (docker's `dangling=true`); a dangling image can still be in use. */
  dangling: boolean;
}

export interface ImageContainerRef {
  id: string;
  name: string;
  state: string;
}

export interface ImageDetails {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: number;
  size: number;
  os: string;
  architecture: string;
  variant?: string;
  author: string;
  config: {
    cmd: string[];
    entrypoint: string[];
    env: string[];
    workingDir: string;
    user: string;
    exposedPorts: string[];
    volumes: string[];
    labels: Record<string, string>;
  };
  /** Diff IDs of the layers, base first. */
  layers: string[];
  containers: ImageContainerRef[];
  /** The engine's ImageInspect JSON, untouched, for the inspect view. */
  raw: unknown;
}

export interface ImageHistoryEntry {
  /** The image id that step produced, or '<missing>' (steps of pulled images). */
  id: string;
  created: number;
  createdBy: string;
  /** Bytes this step added; 0 for metadata-only steps. */
  size: number;
  comment: string;
  tags: string[];
}

export interface ImageRemoveResult {
  untagged: string[];
  deleted: string[];
}

export type PruneMode = 'dangling' | 'all';

export interface PruneCandidate {
  id: string;
  repoTags: string[];
  size: number;
  created: number;
}

export interface PrunePreview {
  mode: PruneMode;
  images: PruneCandidate[];
  /** Bytes returned: layers no remaining image shares. */
  reclaimable: number;
}

export interface PruneResult {
  /** Image ids removed. */
  deleted: string[];
  untagged: string[];
  spaceReclaimed: number;
}

export interface RegistryLogin {
  /** The registry host as given to docker login (`127.0.0.1:5000`; Docker Hub is `docker.io`). */
  registry: string;
  username: string;
  /** Where the secret lives: the config file itself or a credential helper. */
  store: 'file' | `helper:${string}`;
}

/** One layer's state during a pull or push, from the engine's JSON progress stream. */
export interface LayerProgress {
  /** Short layer id as the engine reports it (12 hex digits). */
  id: string;
  /** The engine's words: 'Downloading', 'Extracting', 'Pull complete', 'Pushing', … */
  status: string;
  phase: 'waiting' | 'downloading' | 'verifying' | 'extracting' | 'uploading' | 'done' | 'exists';
  /** Bytes of the current phase (download, extraction or upload). */
  current?: number;
  total?: number;
}

export interface TransferOverall {
  /** Bytes transferred over all layers whose size is known. */
  current: number;
  total: number;
  layersDone: number;
  layersTotal: number;
}

export type TransferEvent =
  | { kind: 'layer'; layer: LayerProgress; overall: TransferOverall }
  /** A line about the whole transfer: 'Pulling from library/busybox', 'Digest: sha256:…'. */
  | { kind: 'status'; message: string; overall: TransferOverall }
  /** The last event before the stream ends successfully. */
  | { kind: 'done'; ref: string; digest?: string; upToDate: boolean; overall: TransferOverall };

/** An image id, a short id, name, name:tag or name@digest. */
export const imageRef = z
  .string()
  .trim()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'an image name, name:tag, name@digest or id');

/** host[:port] of a registry (Docker Hub: docker.io). */
export const registryHost = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(
    /^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?(\/v\d\/?)?$/,
    'a registry host like registry.example.com:5000',
  );

export const registryAuthArgs = z
  .object({ username: z.string().min(1).max(255), password: z.string().min(1).max(4096) })
  .strict();

export const imageMethods = {
  'images.list': method<ImageSummary[]>()(z.object({}).strict()),
  'images.inspect': method<ImageDetails>()(z.object({ id: imageRef }).strict()),
  /** Build steps, base first. */
  'images.history': method<ImageHistoryEntry[]>()(z.object({ id: imageRef }).strict()),
  /** Adds `target` (name or name:tag; :latest when no tag) to the image `id`; returns the new reference. */
  'images.tag': method<string>()(z.object({ id: imageRef, target: imageRef }).strict()),
  /** A 409 from the engine (image in use, referenced by several repositories) comes back as is. */
  'images.remove': method<ImageRemoveResult>()(
    z.object({ id: imageRef, force: z.boolean().default(false) }).strict(),
  ),
  /** What prune would remove; the Engine API has no dry run, so this is computed from the lists. */
  'images.prunePreview': method<PrunePreview>()(z.object({ mode: z.enum(['dangling', 'all']) }).strict()),
  'images.prune': method<PruneResult>()(z.object({ mode: z.enum(['dangling', 'all']) }).strict()),
  /** Checks the credentials with the engine (POST /auth) and saves them like `docker login`. */
  'images.login': method<RegistryLogin>()(
    z
      .object({
        registry: registryHost,
        username: z.string().min(1).max(255),
        password: z.string().min(1).max(4096),
        save: z.boolean().default(true),
      })
      .strict(),
  ),
  'images.logout': method<void>()(z.object({ registry: registryHost }).strict()),
  /** Registries with saved credentials (never the secrets). */
  'images.logins': method<RegistryLogin[]>()(z.object({}).strict()),
};

const platform = z
  .string()
  .trim()
  .max(64)
  .regex(/^[a-z0-9_]+\/[a-z0-9_]+(\/[a-z0-9_]+)?$/, 'os/arch[/variant], e.g. linux/arm64');

export const imageTopics = {
  /**
   * Pulls `ref`; credentials come from `auth`, else from the saved login for its registry. Ends with an
   * error of status 401 when the registry wants credentials. Unsubscribing aborts the pull.
   */
  'images.pull': topic<TransferEvent>()(
    z.object({ ref: imageRef, platform: platform.optional(), auth: registryAuthArgs.optional() }).strict(),
  ),
  /** Pushes `ref` (name:tag; all tags of the name when it has none). Same auth rules as pull. */
  'images.push': topic<TransferEvent>()(
    z.object({ ref: imageRef, auth: registryAuthArgs.optional() }).strict(),
  ),
};
