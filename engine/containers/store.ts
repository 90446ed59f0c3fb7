import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic-file.js';

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

export interface ContainerState {
  running: boolean;
  paused: boolean;
  restarting: boolean;
  oomKilled: boolean;
  dead: boolean;
  removing: boolean;
  pid: number;
  exitCode: number;
  error: string;
  startedAt?: string;
  finishedAt?: string;
  health?: HealthState;
}

/** A mount as `docker inspect` shows it (MountPoint). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Anonymous volumes are removed with the container when asked (`rm -v`). */
  anonymous?: boolean;
  tmpfsOptions?: string;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface ContainerRecord {
  id: string;
  /** Stored with the leading slash, as dockerd does. */
  name: string;
  created: string;
  /** The image as the user named it. */
  image: string;
  imageId: string;
  path: string;
  args: string[];
  /** docker's `Config`, merged with the image's defaults. */
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  state: ContainerState;
  restartCount: number;
  /** Set by `docker stop`/`kill` so `unless-stopped` and `always` know the user stopped it. */
  manuallyStopped: boolean;
  mounts: MountPoint[];
  /** Published ports as bound: `80/tcp` → bindings. */
  ports: Record<string, PortBinding[] | null>;
  network: {
    mode: string;
    ipAddress?: string;
    gateway?: string;
    macAddress?: string;
    networks: string[];
    /** NetworkingConfig.EndpointsConfig from create (aliases, static addresses, extra networks). */
    endpoints?: Record<string, unknown>;
  };
  execIds: string[];
}

export function initialState(): ContainerState {
  return {
    running: false,
    paused: false,
    restarting: false,
    oomKilled: false,
    dead: false,
    removing: false,
    pid: 0,
    exitCode: 0,
    error: '',
  };
}

/**
 * Container records: one JSON file per container (`containers/<id>/container.json`), replaced atomically,
 * so a change to one container never rewrites the others; all held in memory.
 */
export class ContainerStore {
  readonly root: string;
  private readonly records = new Map<string, ContainerRecord>();
  /** Forgotten but with files still on disk: a late save() must not bring them back. */
  private readonly forgotten = new Set<string>();

  constructor(dataRoot: string) {
    this.root = join(dataRoot, 'containers');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    for (const id of await readdir(this.root)) {
      if (!/^[a-f0-9]{64}$/.test(id)) continue;
      try {
        const rec = JSON.parse(await readFile(this.file(id), 'utf8')) as ContainerRecord;
        this.records.set(id, rec);
      } catch {
        // A directory without a readable record was never fully created: drop it.
        await rm(this.dir(id), { recursive: true, force: true });
      }
    }
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  private file(id: string): string {
    return join(this.dir(id), 'container.json');
  }

  all(): ContainerRecord[] {
    return [...this.records.values()];
  }

  get(id: string): ContainerRecord | undefined {
    return this.records.get(id);
  }

  byName(name: string): ContainerRecord | undefined {
    for (const r of this.records.values()) if (r.name === name) return r;
    return undefined;
  }

  /**
   * Writes the record (atomically: a killed engine leaves the old or the new one). It is fsynced
   * unless the container is removed when it exits (AutoRemove): such a container does not outlive
   * an OS crash, and a record lost or left behind by one is dropped or removed at the next start.
   */
  async save(rec: ContainerRecord): Promise<void> {
    if (this.forgotten.has(rec.id)) return;
    await mkdir(this.dir(rec.id), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file(rec.id), JSON.stringify(rec), { sync: !rec.hostConfig.AutoRemove });
    this.records.set(rec.id, rec);
  }

  /** Forgets a container in memory only: its files go later with delete() (until then a restart finds it). */
  forget(id: string): void {
    this.records.delete(id);
    this.forgotten.add(id);
  }

  /** Forgets a container: its record goes first (renamed away), then its files. */
  async delete(id: string): Promise<void> {
    this.records.delete(id);
    this.forgotten.add(id);
    try {
      await rm(this.file(id), { force: true });
      await rm(this.dir(id), { recursive: true, force: true });
    } finally {
      this.forgotten.delete(id);
    }
  }
}
