import { mkdir, readFile, writeFile, rm, chmod, unlink } from 'node:fs/promises';
import { connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EngineConfig } from './config.js';
import { EventBus } from './events.js';
import { ContentStore } from './store/content-store.js';
import { LayerStore } from './store/layer-store.js';
import { ImageStore } from './store/image-store.js';
import { ImageService } from './images/service.js';
import { RegistryClient } from './registry/client.js';
import { ENGINE_VERSION } from './api/version.js';
import { VolumeService } from './volumes/service.js';
import { ContainerStore } from './containers/store.js';
import { ContainerService } from './containers/service.js';
import { ExecService } from './containers/exec.js';
import { managedNetwork, specAdapter, unavailableRuntime, volumeAdapter } from './containers/adapters.js';
import { NetworkManager } from './network/index.js';
import type { RuntimePort } from './containers/ports.js';
import { OciRuntime } from './runtime/oci-runtime.js';
import { detectRuntime } from './runtime/detect.js';
import { LogRotator } from './containers/log-rotation.js';
import { detectRootless, type RootlessInfo } from './runtime/rootless/userns.js';
import { hideHybridCgroup2 } from './runtime/rootless/mounts.js';

/** The engine's services, wired together. No HTTP here: see api/. */
export class Engine {
  readonly events = new EventBus();
  readonly content: ContentStore;
  readonly layers: LayerStore;
  readonly imageStore: ImageStore;
  readonly images: ImageService;
  readonly registry: RegistryClient;
  readonly volumes: VolumeService;
  readonly containerStore: ContainerStore;
  /** Set by open(): crun/runc under conmon, or a stand-in that explains what is missing. */
  runtime!: RuntimePort;
  containers!: ContainerService;
  execs!: ExecService;
  networks!: NetworkManager;
  private logRotator: LogRotator | undefined;
  id = '';
  /** Set when running rootless: as root of a user namespace that maps the user's IDs. */
  readonly rootless: RootlessInfo | undefined = detectRootless();

  constructor(
    readonly dataRoot: string,
    readonly config: EngineConfig,
  ) {
    this.content = new ContentStore(dataRoot);
    this.layers = new LayerStore(dataRoot);
    this.imageStore = new ImageStore(dataRoot);
    this.images = new ImageService({
      content: this.content,
      layers: this.layers,
      store: this.imageStore,
      events: this.events,
    });
    this.registry = new RegistryClient({
      mirrors: config.registryMirrors,
      insecureRegistries: config.insecureRegistries,
      certsDir: config.certsDir,
      userAgent: `berth/${ENGINE_VERSION}`,
    });
    this.volumes = new VolumeService({ dataRoot, events: this.events });
    this.containerStore = new ContainerStore(dataRoot);
  }

  /** Opens the stores and sweeps whatever an earlier crash left unreferenced. */
  async open(): Promise<void> {
    await mkdir(this.dataRoot, { recursive: true, mode: 0o700 });
    this.id = await loadOrCreateId(join(this.dataRoot, 'engine-id'));
    await this.content.init();
    await this.layers.init();
    await this.imageStore.init();
    await this.volumes.init();
    await this.containerStore.init();
    try {
      if (this.rootless) await hideHybridCgroup2();
      const found = await detectRuntime(join(this.dataRoot, 'rt', 'bin'));
      this.runtime = new OciRuntime({
        ...found,
        stateRoot: join(this.dataRoot, 'rt'),
        cgroupManager: 'cgroupfs',
        cgroups: !this.rootless || this.rootless.cgroups,
      });
    } catch (err) {
      this.runtime = unavailableRuntime(err as Error);
    }
    this.networks = await NetworkManager.open({
      stateDir: join(this.dataRoot, 'network'),
      // Rootless: /run/netns is the real root's; bind namespaces in our own mount namespace instead.
      netnsDir: this.rootless ? join(this.dataRoot, 'network', 'netns') : undefined,
      onEvent: (action, id, attrs) =>
        this.events.emit('network', action, id, attrs as Record<string, string>),
    });
    const spec = specAdapter({ rootless: this.rootless });
    this.containers = new ContainerService({
      store: this.containerStore,
      images: this.images,
      content: this.content,
      layers: this.layers,
      events: this.events,
      runtime: this.runtime,
      network: managedNetwork(this.networks, () => this.containers),
      volumes: volumeAdapter(this.volumes),
      spec,
      dataRoot: this.dataRoot,
    });
    this.execs = new ExecService(this.containers, spec);
    this.images.deps.usage = (id) => this.containers.imageUsage(id);
    this.images.deps.layersInUse = () => this.containers.layersInUse();
    this.volumes.usage = (name) =>
      this.containerStore
        .all()
        .filter((c) => c.mounts.some((m) => m.Name === name))
        .map((c) => c.id);
    // Only now that containers are known can unreferenced layers be swept safely.
    await this.images.gc();
    await this.containers.init();
    if (this.runtime instanceof OciRuntime) {
      const rt = this.runtime;
      this.logRotator = new LogRotator(this.containers, (id) => rt.reopenLog(id));
      this.logRotator.start();
    }
  }

  close(): void {
    this.logRotator?.stop();
  }
}

async function loadOrCreateId(path: string): Promise<string> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (id) return id;
  } catch {
    // first start
  }
  const id = randomBytes(16).toString('hex').toUpperCase();
  await writeFile(path, id + '\n', { mode: 0o600 });
  return id;
}

/** True if something accepts connections on the UNIX socket. */
export function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/**
 * Listens on a UNIX socket private to the user (mode 0600, in a 0700 directory we create). Refuses a
 * socket another live engine holds; removes a stale one.
 */
export async function listenOnSocket(server: Server, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (await socketIsLive(path)) {
    throw new Error(`another engine is already listening on ${path}`);
  }
  await rm(path, { force: true });
  const oldUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldUmask);
  }
  await chmod(path, 0o600);
}

export async function removeSocket(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
