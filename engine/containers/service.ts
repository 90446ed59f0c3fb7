import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type { EventBus } from '../events.js';
import type { ImageService } from '../images/service.js';
import type { ContentStore } from '../store/content-store.js';
import type { LayerStore } from '../store/layer-store.js';
import type { ImageConfigFile } from '../images/inspect.js';
import { ConflictError, EngineError, InvalidArgumentError, NotFoundError, SystemError } from '../errors.js';
import { ContainerStore, initialState, type ContainerRecord } from './store.js';
import { generateName, normalizeName } from './names.js';
import {
  mergeImageConfig,
  processCommand,
  restartPolicy,
  validateHostConfig,
  type CreateBody,
} from './config.js';
import { mountPoint, mountRequests, parseBind } from './mounts.js';
import { mountRootfs, rootfsPaths, unmountRootfs } from './rootfs.js';
import type { ExitInfo, NetworkPort, NetworkSetup, RuntimePort, SpecPort, VolumePort } from './ports.js';
import { stateWord } from './status.js';
import { directorySize } from '../store/disk-usage.js';
import { healthMonitor } from './health.js';
import { linuxResources, type SpecHostConfig } from '../runtime/spec/index.js';
import { logLimits } from './log-rotation.js';

export interface ContainerServiceDeps {
  store: ContainerStore;
  images: ImageService;
  content: ContentStore;
  layers: LayerStore;
  events: EventBus;
  runtime: RuntimePort;
  network: NetworkPort;
  volumes: VolumePort;
  spec: SpecPort;
  dataRoot: string;
}

const short = (id: string) => id.slice(0, 12);
const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** Parses `SIGTERM`, `TERM`, `15`, `SIGRTMIN+3`… into a signal number (docker's signal.ParseSignal). */
export function parseSignal(s: string | number | undefined, fallback = 15): number {
  if (s === undefined || s === '') return fallback;
  if (typeof s === 'number' || /^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) throw new InvalidArgumentError(`Invalid signal: ${s}`);
    return n;
  }
  const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name) ?? /^SIGRTMAX(?:-(\d+))?$/.exec(name);
  if (rt) return name.startsWith('SIGRTMIN') ? 34 + Number(rt[1] ?? 0) : 64 - Number(rt[1] ?? 0);
  const n = SIGNALS[name];
  if (!n) throw new InvalidArgumentError(`Invalid signal: ${s}`);
  return n;
}

/** Containers: create, start, stop, wait, restart policies, remove — the lifecycle over the runtime. */
export class ContainerService {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly exitWaiters = new Map<string, Set<(code: number) => void>>();
  private readonly removeWaiters = new Map<string, Set<() => void>>();
  private readonly watching = new Set<string>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  /** Attach requests waiting for the container to start (`docker run` attaches before it starts). */
  private readonly pendingAttach = new Map<string, Set<() => Promise<void>>>();

  constructor(readonly deps: ContainerServiceDeps) {}

  get store(): ContainerStore {
    return this.deps.store;
  }

  /** Reconciles records with reality after a (re)start: adopt running containers, record exits that happened meanwhile. */
  async init(): Promise<void> {
    for (const rec of this.store.all()) {
      if (rec.state.removing) {
        await this.finishRemove(rec, true, true).catch(() => undefined);
        continue;
      }
      if (!rec.state.running && !rec.state.restarting) continue;
      const st = await this.deps.runtime.state(rec.id).catch(() => undefined);
      if (st && (st.status === 'running' || st.status === 'paused')) {
        rec.state = {
          ...rec.state,
          running: true,
          restarting: false,
          paused: st.status === 'paused',
          pid: st.pid,
        };
        await this.store.save(rec);
        void this.watchExit(rec.id);
        healthMonitor(this).start(rec); // adopted: its health checks resume
      } else if (st) {
        // Exited while we were away: conmon recorded the exit code. Recorded (or auto-removed)
        // before the API serves, so no one sees it still running.
        await this.watchExit(rec.id);
      } else {
        await this.recordExit(
          rec.id,
          { exitCode: 255, finishedAt: new Date(), oomKilled: false },
          'container vanished',
        );
      }
    }
    // Containers with restart policy always / unless-stopped start with the engine (dockerd does the same).
    for (const rec of this.store.all()) {
      if (rec.state.running) continue;
      const p = restartPolicy(rec.hostConfig).Name;
      if (
        (p === 'always' || (p === 'unless-stopped' && !rec.manuallyStopped)) &&
        rec.state.startedAt &&
        !rec.manuallyStopped
      ) {
        this.start(rec.id).catch(() => undefined);
      }
    }
  }

  /** Serializes lifecycle operations per container. */
  private locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }

  /** Finds a container by full ID, name (with or without `/`), or unique ID prefix. */
  resolve(idOrName: string): ContainerRecord {
    const s = this.store;
    const direct = s.get(idOrName);
    if (direct) return direct;
    const byName = s.byName(idOrName.startsWith('/') ? idOrName : `/${idOrName}`);
    if (byName) return byName;
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const matches = s.all().filter((r) => r.id.startsWith(idOrName));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1)
        throw new InvalidArgumentError(`Multiple IDs found with provided prefix: ${idOrName}`);
    }
    throw new NotFoundError(`No such container: ${idOrName}`);
  }

  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    const labels = (rec.config.Labels as Record<string, string> | undefined) ?? {};
    this.deps.events.emit('container', action, rec.id, {
      ...labels,
      image: rec.image,
      name: rec.name.slice(1),
      ...extra,
    });
  }

  /** Image IDs in use, for the image service's conflict checks. */
  imageUsage(imageId: string): { running: string[]; stopped: string[] } {
    const running: string[] = [];
    const stopped: string[] = [];
    for (const r of this.store.all()) {
      if (r.imageId !== imageId) continue;
      (r.state.running ? running : stopped).push(r.id);
    }
    return { running, stopped };
  }

  layersInUse(): string[] {
    const out: string[] = [];
    for (const r of this.store.all()) {
      const img = this.deps.images.store.get(r.imageId);
      if (img) for (const l of img.layers) out.push(l.chainId);
    }
    return out;
  }

  async imageConfig(imageId: string): Promise<ImageConfigFile> {
    return this.deps.content.readJSON<ImageConfigFile>(imageId);
  }

  async create(nameParam: string | undefined, body: CreateBody): Promise<{ Id: string; Warnings: string[] }> {
    const { config: userConfig, hostConfig } = body;
    validateHostConfig(hostConfig);
    const imageName = userConfig.Image as string;
    const { image } = this.deps.images.resolve(imageName);
    const imageConfig = await this.imageConfig(image.id);
    const config = mergeImageConfig(userConfig, imageConfig);
    const { path, args } = processCommand(config);
    const networkMode = (hostConfig.NetworkMode as string | undefined) || 'default';
    this.deps.network.check(networkMode);
    const id = randomBytes(32).toString('hex');
    // As dockerd: a host-network container takes the host's name (it keeps its own UTS namespace).
    if (!config.Hostname) config.Hostname = networkMode === 'host' ? osHostname() : short(id);
    config.Image = imageName;

    let name: string;
    if (nameParam) {
      name = normalizeName(nameParam);
      const holder = this.store.byName(name);
      if (holder) {
        throw new ConflictError(
          `Conflict. The container name "${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
    } else {
      name = generateName((n) => this.store.byName(n) !== undefined);
    }

    const requests = mountRequests(config, hostConfig);
    const mounts = [];
    for (const m of requests) {
      if (m.type === 'volume') {
        const vol = await this.deps.volumes.ensure(m.source || undefined, {
          anonymous: !m.source,
          containerId: id,
        });
        mounts.push(mountPoint(m, vol.path, vol.name, !m.source));
      } else {
        mounts.push(mountPoint(m, m.source));
      }
    }
    const rec: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: imageName,
      imageId: image.id,
      path,
      args,
      config,
      hostConfig: { ...hostConfig, NetworkMode: networkMode },
      state: initialState(),
      restartCount: 0,
      manuallyStopped: false,
      mounts,
      ports: {},
      network: {
        mode: networkMode,
        networks: [],
        endpoints:
          (body.networkingConfig.EndpointsConfig as Record<string, unknown> | undefined) ?? undefined,
      },
      execIds: [],
    };
    await this.store.save(rec);
    this.emit(rec, 'create');
    // A start usually follows at once (`docker run`): have the helpers it needs starting meanwhile,
    // once the reply is out (spawning blocks the event loop for a moment).
    setImmediate(() => this.deps.runtime.prepare());
    return { Id: id, Warnings: this.deps.spec.limitWarnings?.(hostConfig) ?? [] };
  }

  start(idOrName: string): Promise<'started' | 'already'> {
    const rec0 = this.resolve(idOrName);
    return this.locked(rec0.id, async () => {
      const rec = this.resolve(rec0.id);
      if (rec.state.running && !rec.state.restarting) return 'already';
      if (rec.state.removing)
        throw new ConflictError(`container is marked for removal and cannot be started`);
      await this.doStart(rec);
      return 'started';
    }).catch(async (err: unknown) => {
      // As dockerd: an AutoRemove container that fails to start is removed (`docker run --rm` waits for it).
      const rec = this.store.get(rec0.id);
      if (rec?.hostConfig.AutoRemove && !rec.state.running && !rec.state.removing)
        await this.remove(rec.id, { force: true, volumes: true }).catch(() => undefined);
      throw err;
    });
  }

  private async doStart(rec: ContainerRecord): Promise<void> {
    const timer = this.restartTimers.get(rec.id);
    if (timer) {
      clearTimeout(timer);
      this.restartTimers.delete(rec.id);
    }
    const dir = this.store.dir(rec.id);
    const image = this.deps.images.store.get(rec.imageId);
    if (!image) throw new SystemError(`image ${rec.imageId} of container ${short(rec.id)} is gone`);
    const paths = rootfsPaths(dir);
    const layersRoot = join(this.deps.dataRoot, 'layers');
    const lowers = [...image.layers].reverse().map((l) => this.deps.layers.diffPath(l.chainId));
    const cleanup: Array<() => Promise<void>> = [];
    try {
      // As dockerd: a missing `-v` host path is created as a directory (`--mount` refuses at create).
      for (const b of (rec.hostConfig.Binds as string[] | null) ?? []) {
        const m = parseBind(b);
        if (m.type === 'bind') await mkdir(m.source, { recursive: true });
      }
      await mountRootfs(paths, layersRoot, lowers, join(dir, 'empty'), {
        volatile: Boolean(rec.hostConfig.AutoRemove),
      });
      cleanup.push(() => unmountRootfs(paths));
      for (const m of rec.mounts) {
        if (m.Type !== 'volume' || !m.Name) continue;
        await this.deps.volumes.mount(m.Name, rec.id);
        cleanup.push(() => this.deps.volumes.unmount(m.Name!, rec.id));
        await this.deps.volumes.seed(m.Name, join(paths.merged, m.Destination));
      }
      const net = await this.deps.network.setup(rec, join(dir, 'hosts'));
      cleanup.push(() => this.deps.network.release(rec));
      const files = await this.writeNetworkFiles(rec, net);
      const imageConfig = (await this.imageConfig(rec.imageId)) as Record<string, unknown>;
      const bundle = join(dir, 'bundle');
      await this.deps.spec.build({
        bundle,
        rec,
        rootfs: paths.merged,
        imageConfig,
        network: net,
        files,
        mounts: rec.mounts,
      });
      const { pid } = await this.deps.runtime.create(rec.id, bundle, {
        terminal: Boolean(rec.config.Tty),
        openStdin: Boolean(rec.config.OpenStdin),
        stdinOnce: Boolean(rec.config.StdinOnce),
        logPath: this.logPath(rec),
        // conmon's own cap (it truncates) only guards the time the engine is down: keep it generous.
        logMaxSize: (() => {
          const l = logLimits(rec.hostConfig);
          return l ? l.maxSize * (l.maxFiles + 1) : undefined;
        })(),
      });
      cleanup.push(() => this.deps.runtime.delete(rec.id, { force: true }));
      // Attach waiting clients between create and start, so they see the first byte of output.
      const waiting = this.pendingAttach.get(rec.id);
      this.pendingAttach.delete(rec.id);
      for (const attach of waiting ?? []) await attach().catch(() => undefined);
      await this.deps.runtime.start(rec.id);
      rec.ports = net.ports;
      rec.network = {
        ...rec.network,
        ipAddress: net.ipAddress,
        gateway: net.gateway,
        macAddress: net.macAddress,
      };
      rec.state = {
        ...rec.state,
        running: true,
        paused: false,
        restarting: false,
        oomKilled: false,
        dead: false,
        pid,
        exitCode: 0,
        error: '',
        startedAt: new Date().toISOString(),
        finishedAt: undefined,
      };
      rec.manuallyStopped = false;
      await this.store.save(rec);
      this.emit(rec, 'start');
      healthMonitor(this).start(rec);
      void this.watchExit(rec.id);
    } catch (err) {
      for (const undo of cleanup.reverse()) await undo().catch(() => undefined);
      rec.state = { ...rec.state, running: false, restarting: false, error: (err as Error).message };
      // A command that cannot be run is exit code 127 (not found) or 126 (not executable), as dockerd records.
      const msg = (err as Error).message;
      if (/not found|no such file/i.test(msg)) rec.state.exitCode = 127;
      else if (/permission denied/i.test(msg)) rec.state.exitCode = 126;
      await this.store.save(rec).catch(() => undefined);
      if (err instanceof EngineError) throw err;
      throw new SystemError(`failed to create task for container: ${msg}`);
    }
  }

  /** Runs `attach` when the container next starts (just before its process runs); returns a cancel function. */
  onNextStart(id: string, attach: () => Promise<void>): () => void {
    let set = this.pendingAttach.get(id);
    if (!set) this.pendingAttach.set(id, (set = new Set()));
    set.add(attach);
    return () => set.delete(attach);
  }

  logPath(rec: ContainerRecord): string {
    return join(this.store.dir(rec.id), 'container.log');
  }

  private async writeNetworkFiles(rec: ContainerRecord, net: NetworkSetup) {
    const dir = this.store.dir(rec.id);
    const hostname = String(rec.config.Hostname || short(rec.id));
    const files = {
      hosts: join(dir, 'hosts'),
      resolv: join(dir, 'resolv.conf'),
      hostname: join(dir, 'hostname'),
    };
    const lines = [
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::\tip6-localnet',
      'ff00::\tip6-mcastprefix',
      'ff02::1\tip6-allnodes',
      'ff02::2\tip6-allrouters',
    ];
    for (const h of (rec.hostConfig.ExtraHosts as string[] | null) ?? []) {
      const i = h.indexOf(':');
      if (i > 0) lines.push(`${h.slice(i + 1)}\t${h.slice(0, i)}`);
    }
    if (net.ipAddress) lines.push(`${net.ipAddress}\t${hostname}`);
    for (const e of net.hostsEntries ?? []) lines.push(`${e.ip}\t${e.names.join(' ')}`);
    if (!net.hostsManaged) await writeFile(files.hosts, lines.join('\n') + '\n');
    await writeFile(files.hostname, hostname + '\n');
    await writeFile(files.resolv, net.resolvConf ?? 'nameserver 10.0.2.3\n');
    return files;
  }

  /** Follows a running container until it exits (once per container). */
  private watchExit(id: string): Promise<void> {
    if (this.watching.has(id)) return Promise.resolve();
    this.watching.add(id);
    return this.deps.runtime
      .waitExit(id)
      .then((info) => this.locked(id, () => this.recordExit(id, info)))
      .catch(() => undefined)
      .finally(() => this.watching.delete(id));
  }

  private async recordExit(id: string, info: ExitInfo, error = ''): Promise<void> {
    const rec = this.store.get(id);
    if (!rec) return;
    healthMonitor(this).stop(id);
    // An auto-removed container (`docker run --rm`) is gone as soon as its rootfs and network are
    // released; the runtime's own cleanup (crun delete, conmon's files) overlaps that and finishes
    // after the reply. Its record on disk still says running until its files are removed, so an
    // engine killed in between finds it at start-up, sees it exited and removes it then.
    const autoRemove = Boolean(rec.hostConfig.AutoRemove);
    const runtimeGone = this.deps.runtime.delete(id, { force: true }).catch(() => undefined);
    if (!autoRemove) await runtimeGone;
    await this.deps.network.release(rec).catch(() => undefined);
    for (const m of rec.mounts)
      if (m.Type === 'volume' && m.Name) await this.deps.volumes.unmount(m.Name, id).catch(() => undefined);
    await unmountRootfs(rootfsPaths(this.store.dir(id))).catch(() => undefined);
    rec.state = {
      ...rec.state,
      running: false,
      paused: false,
      restarting: false,
      pid: 0,
      exitCode: info.exitCode,
      oomKilled: info.oomKilled,
      error,
      finishedAt: info.finishedAt.toISOString(),
    };
    rec.ports = {};
    if (!autoRemove) await this.store.save(rec);
    this.emit(rec, 'die', { exitCode: String(info.exitCode) });
    if (info.oomKilled) this.emit(rec, 'oom');
    for (const w of this.exitWaiters.get(id) ?? []) w(info.exitCode);
    this.exitWaiters.delete(id);
    if (autoRemove) {
      await this.autoRemove(rec, runtimeGone);
      return;
    }
    this.maybeRestart(rec);
  }

  /**
   * Removes an exited AutoRemove container whose rootfs and network are already released: forgotten
   * at once (with its anonymous volumes, as `docker rm -v`), its files deleted once the runtime let go.
   */
  private async autoRemove(rec: ContainerRecord, runtimeGone: Promise<void>): Promise<void> {
    rec.state = { ...rec.state, removing: true };
    this.store.forget(rec.id);
    for (const m of rec.mounts)
      if (m.Type === 'volume' && m.anonymous && m.Name)
        await this.deps.volumes.remove(m.Name).catch(() => undefined);
    this.emit(rec, 'destroy');
    for (const w of this.removeWaiters.get(rec.id) ?? []) w();
    this.removeWaiters.delete(rec.id);
    void runtimeGone.then(() => this.store.delete(rec.id)).catch(() => undefined);
  }

  private maybeRestart(rec: ContainerRecord): void {
    const policy = restartPolicy(rec.hostConfig);
    if (rec.manuallyStopped) return;
    let restart = false;
    if (policy.Name === 'always' || policy.Name === 'unless-stopped') restart = true;
    if (policy.Name === 'on-failure' && rec.state.exitCode !== 0) {
      restart = policy.MaximumRetryCount === 0 || rec.restartCount < policy.MaximumRetryCount;
    }
    if (!restart) return;
    // dockerd's back-off: 100 ms doubling per restart, reset after 10 s of running.
    const ranFor = Date.parse(rec.state.finishedAt!) - Date.parse(rec.state.startedAt!);
    const delay = ranFor > 10_000 ? 100 : Math.min(100 * 2 ** rec.restartCount, 60_000);
    rec.state = { ...rec.state, restarting: true, running: true };
    void this.store.save(rec);
    const timer = setTimeout(() => {
      this.restartTimers.delete(rec.id);
      void this.locked(rec.id, async () => {
        const cur = this.store.get(rec.id);
        if (!cur || !cur.state.restarting) return;
        cur.restartCount++;
        await this.doStart(cur).catch(async (err: unknown) => {
          cur.state = { ...cur.state, restarting: false, running: false, error: (err as Error).message };
          await this.store.save(cur);
        });
        if (cur.state.running) this.emit(cur, 'restart');
      });
    }, delay);
    this.restartTimers.set(rec.id, timer);
  }

  /** Waits for the next exit of a running container; resolves at once if it is not running. */
  private waitForExit(id: string): Promise<number> {
    const rec = this.store.get(id);
    if (!rec || (!rec.state.running && !rec.state.restarting))
      return Promise.resolve(rec?.state.exitCode ?? 0);
    return this.nextExit(id);
  }

  private nextExit(id: string): Promise<number> {
    return new Promise((resolve) => {
      let set = this.exitWaiters.get(id);
      if (!set) this.exitWaiters.set(id, (set = new Set()));
      set.add(resolve);
    });
  }

  async wait(
    idOrName: string,
    condition: string,
    signal?: AbortSignal,
  ): Promise<{ StatusCode: number; Error: { Message: string } | null }> {
    const rec = this.resolve(idOrName);
    if (!['', 'not-running', 'next-exit', 'removed'].includes(condition)) {
      throw new InvalidArgumentError(`invalid condition: "${condition}"`);
    }
    const aborted = new Promise<never>((_, reject) =>
      signal?.addEventListener('abort', () => reject(new Error('aborted'))),
    );
    let code: number;
    if (condition === 'removed') {
      code = await Promise.race([
        new Promise<number>((resolve) => {
          let set = this.removeWaiters.get(rec.id);
          if (!set) this.removeWaiters.set(rec.id, (set = new Set()));
          set.add(() => resolve(this.store.get(rec.id)?.state.exitCode ?? rec.state.exitCode));
        }),
        aborted,
      ]);
    } else if (condition === 'next-exit') {
      code = await Promise.race([this.nextExit(rec.id), aborted]);
    } else {
      code = await Promise.race([this.waitForExit(rec.id), aborted]);
    }
    const err = this.store.get(rec.id)?.state.error ?? rec.state.error;
    return { StatusCode: code, Error: err ? { Message: err } : null };
  }

  /** `docker stop`: the stop signal, then SIGKILL after the timeout; resolves once the exit is recorded. */
  async stop(idOrName: string, opts: { signal?: string; timeout?: number }): Promise<'stopped' | 'already'> {
    const rec = this.resolve(idOrName);
    const begun = await this.locked(rec.id, () => this.beginStop(rec.id, opts));
    if (begun === 'stopped' || begun === 'already') return begun;
    const { exited, timeout } = begun;
    const timedOut =
      timeout >= 0
        ? await Promise.race([exited.then(() => false), delay(timeout * 1000).then(() => true)])
        : false;
    if (timedOut) {
      await this.deps.runtime.kill(rec.id, 9).catch(() => undefined);
      this.emit(rec, 'kill', { signal: '9' });
    }
    await exited;
    this.emit(this.store.get(rec.id) ?? rec, 'stop');
    return 'stopped';
  }

  private async beginStop(
    id: string,
    opts: { signal?: string; timeout?: number },
  ): Promise<'stopped' | 'already' | { exited: Promise<number>; timeout: number }> {
    const rec = this.resolve(id);
    rec.manuallyStopped = true;
    if (rec.state.restarting) {
      const timer = this.restartTimers.get(id);
      if (timer) clearTimeout(timer);
      this.restartTimers.delete(id);
      rec.state = { ...rec.state, restarting: false, running: false };
      await this.store.save(rec);
      return 'stopped';
    }
    await this.store.save(rec);
    if (!rec.state.running) return 'already';
    const sig = parseSignal(opts.signal ?? (rec.config.StopSignal as string | undefined), 15);
    const timeout = opts.timeout ?? (rec.config.StopTimeout as number | undefined) ?? 10;
    const exited = this.nextExit(id);
    if (rec.state.paused) await this.deps.runtime.resume(id).catch(() => undefined);
    await this.deps.runtime.kill(id, sig).catch(() => undefined);
    this.emit(rec, 'kill', { signal: String(sig) });
    return { exited, timeout };
  }

  async restart(idOrName: string, opts: { signal?: string; timeout?: number }): Promise<void> {
    const rec = this.resolve(idOrName);
    await this.stop(rec.id, opts);
    await this.start(rec.id);
    this.emit(this.resolve(rec.id), 'restart');
  }

  async kill(idOrName: string, signal: string | undefined): Promise<void> {
    const rec = this.resolve(idOrName);
    const sig = parseSignal(signal, 9);
    if (!rec.state.running || rec.state.restarting) {
      throw new ConflictError(`Cannot kill container: ${idOrName}: Container ${rec.id} is not running`);
    }
    if (sig === 9 || sig === 15 || sig === 2) {
      rec.manuallyStopped = true;
      await this.store.save(rec);
    }
    await this.deps.runtime.kill(rec.id, sig);
    this.emit(rec, 'kill', { signal: String(sig) });
  }

  async pause(idOrName: string): Promise<void> {
    const rec = this.resolve(idOrName);
    await this.locked(rec.id, async () => {
      if (!rec.state.running) throw new ConflictError(`Container ${rec.id} is not running`);
      if (rec.state.paused) throw new ConflictError(`Container ${rec.id} is already paused`);
      await this.deps.runtime.pause(rec.id);
      rec.state = { ...rec.state, paused: true };
      await this.store.save(rec);
      this.emit(rec, 'pause');
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const rec = this.resolve(idOrName);
    await this.locked(rec.id, async () => {
      if (!rec.state.paused) throw new ConflictError(`Container ${rec.id} is not paused`);
      await this.deps.runtime.resume(rec.id);
      rec.state = { ...rec.state, paused: false };
      await this.store.save(rec);
      this.emit(rec, 'unpause');
    });
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const rec = this.resolve(idOrName);
    const name = normalizeName(newName);
    if (name === rec.name)
      throw new InvalidArgumentError(`Renaming a container with the same name as its current name`);
    const holder = this.store.byName(name);
    if (holder) {
      throw new ConflictError(
        `Conflict. The container name "${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const old = rec.name;
    rec.name = name;
    await this.store.save(rec);
    this.emit(rec, 'rename', { oldName: old });
  }

  async update(idOrName: string, body: Record<string, unknown>): Promise<{ Warnings: string[] }> {
    const rec = this.resolve(idOrName);
    const next = { ...rec.hostConfig };
    for (const key of [
      'Memory',
      'MemorySwap',
      'MemoryReservation',
      'NanoCpus',
      'CpuShares',
      'CpuPeriod',
      'CpuQuota',
      'CpusetCpus',
      'PidsLimit',
      'BlkioWeight',
      'RestartPolicy',
    ]) {
      if (body[key] !== undefined) next[key] = body[key];
    }
    validateHostConfig(next);
    const limits = Object.keys(next).some(
      (k) => k !== 'RestartPolicy' && JSON.stringify(next[k]) !== JSON.stringify(rec.hostConfig[k]),
    );
    await this.locked(rec.id, async () => {
      // A running container gets its new limits at once, as with dockerd (a new restart policy alone
      // needs nothing from the runtime). Under the lock, so a container that just exited is seen so.
      if (limits && rec.state.running && !rec.state.restarting) {
        const resources = linuxResources(next as SpecHostConfig, {});
        await this.deps.runtime.update(rec.id, resources as Record<string, unknown>);
      }
      rec.hostConfig = next;
      await this.store.save(rec);
    });
    this.emit(rec, 'update');
    return { Warnings: this.deps.spec.limitWarnings?.(body) ?? [] };
  }

  async remove(idOrName: string, opts: { force?: boolean; volumes?: boolean }): Promise<void> {
    const rec = this.resolve(idOrName);
    if (rec.state.running && !rec.state.restarting && !opts.force) {
      const what = rec.state.paused ? 'paused' : 'running';
      throw new ConflictError(
        `cannot remove container "${rec.name}": container is ${what}: stop the container before removing or force remove`,
      );
    }
    if (rec.state.removing) throw new ConflictError(`removal of container ${rec.id} is already in progress`);
    const pending = await this.locked(rec.id, async () => {
      if (!rec.state.running && !rec.state.restarting) return undefined;
      rec.manuallyStopped = true;
      const timer = this.restartTimers.get(rec.id);
      if (timer) clearTimeout(timer);
      if (rec.state.restarting) {
        rec.state = { ...rec.state, running: false, restarting: false };
        return undefined;
      }
      const exited = this.waitForExit(rec.id);
      await this.deps.runtime.kill(rec.id, 9).catch(() => undefined);
      this.emit(rec, 'kill', { signal: '9' });
      // Wrapped so the lock is released first: the exit watcher needs it to record the exit.
      return { exited };
    });
    if (pending) await pending.exited;
    // An AutoRemove container removed itself when it exited.
    if (!this.store.get(rec.id)) return;
    await this.locked(rec.id, async () => {
      rec.state = { ...rec.state, removing: true };
      await this.store.save(rec);
      await this.finishRemove(rec, opts.volumes ?? false);
    });
  }

  /**
   * Forgets a stopped container. Its runtime state and network were released when its exit was
   * recorded; `full` (recovery after a crash mid-removal) releases them again to be sure.
   */
  private async finishRemove(rec: ContainerRecord, removeVolumes: boolean, full = false): Promise<void> {
    if (full) {
      await this.deps.runtime.delete(rec.id, { force: true }).catch(() => undefined);
      await this.deps.network.release(rec).catch(() => undefined);
    }
    await unmountRootfs(rootfsPaths(this.store.dir(rec.id))).catch(() => undefined);
    await this.store.delete(rec.id);
    if (removeVolumes) {
      for (const m of rec.mounts)
        if (m.Type === 'volume' && m.anonymous && m.Name)
          await this.deps.volumes.remove(m.Name).catch(() => undefined);
    }
    this.emit(rec, 'destroy');
    for (const w of this.removeWaiters.get(rec.id) ?? []) w();
    this.removeWaiters.delete(rec.id);
  }

  /** Unused: kept for `docker container prune`. */
  async prune(
    keep: (rec: ContainerRecord) => boolean,
  ): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const rec of this.store.all()) {
      if (rec.state.running || rec.state.restarting || !keep(rec)) continue;
      const size = await directorySize(rootfsPaths(this.store.dir(rec.id)).upper);
      try {
        await this.remove(rec.id, {});
        deleted.push(rec.id);
        reclaimed += size;
      } catch {
        // skipped, like dockerd
      }
    }
    this.deps.events.emit('container', 'prune', '', { reclaimed: String(reclaimed) });
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  stateOf(rec: ContainerRecord): string {
    return stateWord({ ...rec.state, health: rec.state.health?.Status });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** `10m`, `1g`, `512k` → bytes (docker's log-opt max-size). */
export function parseSize(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`invalid size: '${v}'`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}
