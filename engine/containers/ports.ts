/**
 * What the container service needs from the runtime, spec, network and volume modules. Engine wiring
 * adapts the concrete modules to these shapes, which keeps the service testable and the modules apart.
 */
import type { Readable } from 'node:stream';
import type { OciRuntime } from '../runtime/oci-runtime.js';
import type { ContainerRecord, MountPoint, PortBinding } from './store.js';

export type { ExitInfo } from '../runtime/oci-runtime.js';

export type RuntimePort = Pick<
  OciRuntime,
  | 'create'
  | 'start'
  | 'kill'
  | 'pause'
  | 'resume'
  | 'state'
  | 'delete'
  | 'waitExit'
  | 'attach'
  | 'resize'
  | 'exec'
  | 'update'
  | 'prepare'
>;

export interface NetworkSetup {
  /** Network namespace to join: a path, 'host', or undefined for a fresh one (none). */
  netns?: string;
  ports: Record<string, PortBinding[] | null>;
  ipAddress?: string;
  gateway?: string;
  macAddress?: string;
  hostsEntries?: Array<{ ip: string; names: string[] }>;
  /** The network manager writes and maintains /etc/hosts itself (peers come and go). */
  hostsManaged?: boolean;
  resolvConf?: string;
}

export interface NetworkPort {
  /** `hostsFile` is the container's /etc/hosts on the host, for managers that maintain it. */
  setup(rec: ContainerRecord, hostsFile: string): Promise<NetworkSetup>;
  release(rec: ContainerRecord): Promise<void>;
  /** Validates a NetworkMode at create time (404 for an unknown network). */
  check(mode: string): void;
}

export interface VolumePort {
  /** Creates (or finds) a named or anonymous volume; returns its host path. */
  ensure(
    name: string | undefined,
    opts: { anonymous: boolean; containerId: string },
  ): Promise<{ name: string; path: string }>;
  seed(name: string, fromDir: string): Promise<void>;
  mount(name: string, containerId: string): Promise<void>;
  unmount(name: string, containerId: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export interface SpecPort {
  /** Warnings for create/update: limits this host cannot apply (rootless without cgroups). */
  limitWarnings?(hostConfig: Record<string, unknown>): string[];
  /** Writes the OCI config.json for the container into `bundle`; returns the spec. */
  build(input: {
    bundle: string;
    rec: ContainerRecord;
    rootfs: string;
    imageConfig: Record<string, unknown>;
    network: NetworkSetup;
    files: { hosts: string; resolv: string; hostname: string };
    mounts: MountPoint[];
  }): Promise<Record<string, unknown>>;
  /** The OCI process for an exec, from the container's spec and the exec's options. */
  execProcess(
    rec: ContainerRecord,
    opts: {
      cmd: string[];
      env: string[];
      user: string;
      workingDir: string;
      tty: boolean;
      privileged: boolean;
      rootfs: string;
      bundle: string;
    },
  ): Promise<Record<string, unknown>>;
}

export type OutputStream = Readable;
