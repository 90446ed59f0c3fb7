// The containers part of the bridge contract: the list, lifecycle actions (bulk), inspect, top, stats,
// files (through the archive API) and Run (create + start, pulling the image first when it is missing).
import { z } from 'zod';
import { method, topic } from './define.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface PortMapping {
  /** The port inside the container. */
  privatePort: number;
  /** The published host port, when there is one. */
  publicPort?: number;
  /** The host address it is published on ('0.0.0.0', '::', '127.0.0.1', …). */
  ip?: string;
  type: 'tcp' | 'udp' | 'sctp';
}

export interface ContainerSummary {
  id: string;
  /** The primary name, without the leading slash. */
  name: string;
  names: string[];
  image: string;
  imageId: string;
  command: string;
  /** Seconds since the epoch. */
  created: number;
  state: ContainerState;
  /** docker's human status ("Up 3 minutes", "Exited (0) 2 hours ago"). */
  status: string;
  ports: PortMapping[];
  /** The Compose project (label com.docker.compose.project), when the container belongs to one. */
  project?: string;
  /** The Compose service (label com.docker.compose.service). */
  service?: string;
  labels: Record<string, string>;
}

/** One container's outcome in a bulk action. */
export interface ActionResult {
  id: string;
  ok: boolean;
  error?: string;
  status?: number;
}

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** One stats sample, reduced the way `docker stats` reduces it. */
export interface StatsSample {
  id: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** CPU use in percent of one CPU (so 4 busy CPUs read 400), as docker computes it. */
  cpuPercent: number;
  /** Memory in use without the page cache (bytes). */
  memUsage: number;
  memLimit: number;
  memPercent: number;
  /** Totals since start, summed over networks / devices (bytes). */
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** A small sample for the list's sparklines. */
export interface StatsPoint {
  id: string;
  time: number;
  cpuPercent: number;
  memUsage: number;
  memLimit: number;
}

export type FileKind = 'file' | 'dir' | 'symlink' | 'other';

export interface FileEntry {
  name: string;
  kind: FileKind;
  /** File size, or for a directory the total size of the files under it. */
  size: number;
  /** Unix permission bits (e.g. 0o755). */
  mode: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
  /** The symlink's target as written in the link. */
  linkTarget?: string;
}

export interface DirListing {
  /** The directory listed (absolute, cleaned). */
  path: string;
  entries: FileEntry[];
  /** True when the listing stopped early (the directory tree was too big to scan whole). */
  truncated: boolean;
}

export interface FileStat {
  path: string;
  name: string;
  size: number;
  kind: FileKind;
  mode: number;
  mtime: number;
  /** For a symlink: the path it resolves to inside the container, and whether that is a directory. */
  linkTarget?: string;
  targetIsDir?: boolean;
}

export interface FileDownload {
  /** A file name to save as (a directory comes as `<name>.tar`). */
  name: string;
  size: number;
  /** The bytes, base64-encoded. */
  base64: string;
  /** 'file' for a regular file's bytes, 'tar' for a directory (or special file) as a tar archive. */
  format: 'file' | 'tar';
}

/** What the Run dialog streams: pull progress (only when the image is missing), then created, then started. */
export type RunEvent =
  | { type: 'pulling'; image: string }
  | {
      type: 'pull-progress';
      /** The layer (or '' for whole-image messages). */
      layer: string;
      status: string;
      current?: number;
      total?: number;
    }
  | { type: 'pulled'; image: string }
  | { type: 'created'; id: string; name: string }
  | { type: 'started'; id: string; name: string };

/** The largest file the bridge moves in one piece (download or upload). */
export const FILE_TRANSFER_LIMIT = 64 * 1024 * 1024;

const id = z.string().trim().min(1).max(256);
const ids = z.array(id).min(1).max(5000);
/** An absolute path inside a container. */
const containerPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, 'an absolute path (starting with /)')
  .refine((p) => !p.includes('\0'), 'no NUL characters');

export const containerName = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/,
    'letters, digits, _ . - only, starting with a letter or digit',
  );

export const portSpec = z
  .object({
    containerPort: z.number().int().min(1).max(65535),
    /** 0 or absent: a free port chosen by the engine. */
    hostPort: z.number().int().min(0).max(65535).optional(),
    hostIp: z.union([z.ipv4(), z.ipv6()]).optional(),
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
  })
  .strict();

export const mountSpec = z
  .object({
    /** 'volume': a named volume (source) or an anonymous one (no source); 'bind': a host path. */
    type: z.enum(['volume', 'bind']),
    source: z.string().max(4096).optional(),
    target: containerPath,
    readOnly: z.boolean().default(false),
  })
  .strict()
  .refine((m) => m.type !== 'bind' || (m.source ?? '').startsWith('/'), {
    message: 'a bind mount needs an absolute host path',
    path: ['source'],
  })
  .refine((m) => m.type !== 'volume' || !m.source || /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(m.source), {
    message: 'a volume name has letters, digits, _ . - only',
    path: ['source'],
  });

export const runOptions = z
  .object({
    image: z.string().trim().min(1).max(512),
    name: containerName.optional(),
    /** The command (argv), replacing the image's CMD; absent keeps the image's. */
    command: z.array(z.string().max(65536)).max(1024).optional(),
    entrypoint: z.array(z.string().max(65536)).max(1024).optional(),
    ports: z.array(portSpec).max(256).default([]),
    mounts: z.array(mountSpec).max(256).default([]),
    /** KEY=value entries. */
    env: z
      .array(
        z
          .string()
          .max(65536)
          .regex(/^[^=\s]+=/, 'KEY=value'),
      )
      .max(1024)
      .default([]),
    labels: z.record(z.string().min(1).max(1024), z.string().max(65536)).optional(),
    restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).default('no'),
    maxRetries: z.number().int().min(0).max(1000).optional(),
    /** CPUs (e.g. 0.5, 2). */
    cpus: z.number().min(0.01).max(1024).optional(),
    /** Memory limit in bytes (docker's minimum is 6 MB). */
    memory: z
      .number()
      .int()
      .min(6 * 1024 * 1024)
      .max(2 ** 50)
      .optional(),
    tty: z.boolean().default(false),
    /** Keep stdin open (docker run -i). */
    interactive: z.boolean().default(false),
    autoRemove: z.boolean().default(false),
    /** 'missing' pulls only when the image is not there (docker run's default). */
    pull: z.enum(['missing', 'always', 'never']).default('missing'),
  })
  .strict();

export type RunOptions = z.input<typeof runOptions>;

const bulk = z.object({ ids }).strict();

export const containerMethods = {
  /** Every container (running or not), newest first. */
  'containers.list': method<ContainerSummary[]>()(z.object({}).strict()),
  'containers.start': method<ActionResult[]>()(bulk),
  'containers.stop': method<ActionResult[]>()(
    z.object({ ids, timeout: z.number().int().min(0).max(3600).optional() }).strict(),
  ),
  'containers.restart': method<ActionResult[]>()(
    z.object({ ids, timeout: z.number().int().min(0).max(3600).optional() }).strict(),
  ),
  'containers.pause': method<ActionResult[]>()(bulk),
  'containers.unpause': method<ActionResult[]>()(bulk),
  'containers.kill': method<ActionResult[]>()(
    z
      .object({
        ids,
        signal: z
          .string()
          .regex(/^(SIG)?[A-Z0-9+-]{1,16}$|^\d{1,2}$/, 'a signal name or number')
          .optional(),
      })
      .strict(),
  ),
  'containers.remove': method<ActionResult[]>()(
    z.object({ ids, force: z.boolean().default(false), volumes: z.boolean().default(false) }).strict(),
  ),
  /** GET /containers/{id}/json as the engine sent it. */
  'containers.inspect': method<Record<string, unknown>>()(z.object({ id }).strict()),
  'containers.top': method<TopResult>()(
    z
      .object({
        id,
        psArgs: z
          .string()
          .max(200)
          .regex(/^[a-zA-Z0-9 ,=_-]*$/)
          .optional(),
      })
      .strict(),
  ),
  'containers.files.list': method<DirListing>()(z.object({ id, path: containerPath }).strict()),
  'containers.files.stat': method<FileStat>()(z.object({ id, path: containerPath }).strict()),
  'containers.files.download': method<FileDownload>()(z.object({ id, path: containerPath }).strict()),
  /** Writes one file into directory `dir` (PUT /containers/{id}/archive). */
  'containers.files.upload': method<void>()(
    z
      .object({
        id,
        dir: containerPath,
        name: z
          .string()
          .min(1)
          .max(255)
          .refine((n) => n !== '.' && n !== '..' && !/[/\0]/.test(n), 'a file name (no / or NUL)'),
        base64: z
          .string()
          .max(Math.ceil(FILE_TRANSFER_LIMIT / 3) * 4)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
        mode: z.number().int().min(0).max(0o7777).default(0o644),
      })
      .strict(),
  ),
};

export const containerTopics = {
  /** One container's stats, one sample a second, until unsubscribed (or the container is removed). */
  'containers.stats': topic<StatsSample>()(z.object({ id }).strict()),
  /**
   * CPU and memory of several containers (the list's visible running rows), one batch a second with
   * the latest sample of each.
   */
  'containers.statsMany': topic<StatsPoint[]>()(z.object({ ids: z.array(id).min(1).max(200) }).strict()),
  /** Create and start a container, pulling its image first when needed. Ends after `started`. */
  'containers.run': topic<RunEvent>()(runOptions),
};
