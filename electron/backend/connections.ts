// Every engine the app can talk to: the embedded Berth engine, local sockets (a dockerd, a podman
// service), DOCKER_HOST, the user's docker contexts, and remotes the user added (ssh://, tcp://).
// All of them are reached the same way: the Docker Engine API, through dockerode.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Connection, ConnectionKind, ConnectionStatus } from '../contract/system.js';
import { HandlerError } from './errors.js';
import type { SettingsStore } from './settings-store.js';

export const EMBEDDED_ID = 'embedded';
const PING_TIMEOUT_MS = 3000;

interface Candidate {
  id: string;
  name: string;
  kind: ConnectionKind;
  url: string;
  custom: boolean;
}

export interface ConnectionOptions {
  settings: SettingsStore;
  /** unix:// URL of the embedded engine's socket, when this app hosts one. */
  embeddedUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** Where docker keeps contexts (default ~/.docker). */
  dockerConfigDir?: string;
  /** Well-known local sockets to offer when they exist. */
  wellKnownSockets?: string[];
}

/** Builds a dockerode client for an engine URL. */
export function dockerFor(url: string): Docker {
  const u = new URL(url);
  switch (u.protocol) {
    case 'unix:':
    case 'npipe:':
      return new Docker({ socketPath: decodeURIComponent(u.pathname) });
    case 'tcp:':
    case 'http:':
      return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' });
    case 'https:':
      return new Docker({ host: u.hostname, port: Number(u.port || 2376), protocol: 'https' });
    case 'ssh:':
      return new Docker({
        protocol: 'ssh',
        host: u.hostname,
        port: Number(u.port || 22),
        username: decodeURIComponent(u.username) || undefined,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK },
      } as Docker.DockerOptions);
    default:
      throw new HandlerError(`unsupported engine URL: ${url}`, undefined, 'invalid-argument');
  }
}

export class ConnectionManager extends EventEmitter {
  private readonly status = new Map<string, { status: ConnectionStatus; error?: string }>();
  private client?: { id: string; url: string; docker: Docker };

  constructor(private readonly opts: ConnectionOptions) {
    super();
  }

  get embeddedUrl(): string | undefined {
    return this.opts.embeddedUrl;
  }

  private async candidates(): Promise<Candidate[]> {
    const env = this.opts.env ?? process.env;
    const out: Candidate[] = [];
    const seen = new Set<string>();
    const add = (c: Candidate) => {
      if (seen.has(c.url) && !c.custom) return;
      seen.add(c.url);
      out.push(c);
    };
    if (this.opts.embeddedUrl) {
      add({
        id: EMBEDDED_ID,
        name: 'Berth (embedded)',
        kind: 'embedded',
        url: this.opts.embeddedUrl,
        custom: false,
      });
    }
    if (env.DOCKER_HOST) {
      add({
        id: 'docker-host',
        name: 'DOCKER_HOST',
        kind: hostKind(env.DOCKER_HOST),
        url: env.DOCKER_HOST,
        custom: false,
      });
    }
    for (const ctx of await this.dockerContexts()) add(ctx);
    const runtime = env.XDG_RUNTIME_DIR;
    const sockets = this.opts.wellKnownSockets ?? [
      '/var/run/docker.sock',
      ...(runtime ? [join(runtime, 'docker.sock'), join(runtime, 'podman', 'podman.sock')] : []),
      '/run/podman/podman.sock',
    ];
    for (const path of sockets) {
      if (existsSync(path)) {
        add({
          id: `socket:${path}`,
          name: socketName(path),
          kind: 'socket',
          url: `unix://${path}`,
          custom: false,
        });
      }
    }
    for (const saved of this.opts.settings.get().connections) {
      add({ id: saved.id, name: saved.name, kind: hostKind(saved.url), url: saved.url, custom: true });
    }
    return out;
  }

  private async dockerContexts(): Promise<Candidate[]> {
    const dir = join(this.opts.dockerConfigDir ?? join(homedir(), '.docker'), 'contexts', 'meta');
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return [];
    }
    const out: Candidate[] = [];
    for (const entry of entries) {
      try {
        const meta = JSON.parse(await readFile(join(dir, entry, 'meta.json'), 'utf8')) as {
          Name?: string;
          Endpoints?: { docker?: { Host?: string } };
        };
        const host = meta.Endpoints?.docker?.Host;
        if (!meta.Name || !host) continue;
        // The embedded engine's own "berth" context is the embedded connection already.
        if (host === this.opts.embeddedUrl) continue;
        out.push({
          id: `context:${meta.Name}`,
          name: `context ${meta.Name}`,
          kind: 'context',
          url: host,
          custom: false,
        });
      } catch {
        // An unreadable context is not ours to fix; skip it.
      }
    }
    return out;
  }

  async list(): Promise<Connection[]> {
    const current = await this.currentCandidate();
    return (await this.candidates()).map((c) => ({
      ...c,
      current: c.id === current?.id,
      status: this.status.get(c.id)?.status ?? 'unknown',
      error: this.status.get(c.id)?.error,
    }));
  }

  private async currentCandidate(): Promise<Candidate | undefined> {
    const all = await this.candidates();
    const wanted = this.opts.settings.get().currentConnection;
    return all.find((c) => c.id === wanted) ?? all.find((c) => c.id === EMBEDDED_ID) ?? all[0];
  }

  async current(): Promise<Connection> {
    const list = await this.list();
    const cur = list.find((c) => c.current);
    if (!cur) throw new HandlerError('no engine connection is configured', undefined, 'engine-unreachable');
    return cur;
  }

  /** The dockerode client for the current connection. */
  async docker(): Promise<Docker> {
    const cur = await this.currentCandidate();
    if (!cur) throw new HandlerError('no engine connection is configured', undefined, 'engine-unreachable');
    if (!this.client || this.client.id !== cur.id || this.client.url !== cur.url) {
      this.client = { id: cur.id, url: cur.url, docker: dockerFor(cur.url) };
    }
    return this.client.docker;
  }

  async use(id: string): Promise<Connection> {
    const target = (await this.candidates()).find((c) => c.id === id);
    if (!target) throw new HandlerError(`no connection with id ${id}`, 404, 'invalid-argument');
    await this.opts.settings.update((s) => {
      s.currentConnection = id;
    });
    this.client = undefined;
    await this.check(id);
    this.emit('change', id);
    return (await this.list()).find((c) => c.id === id)!;
  }

  async add(name: string, url: string): Promise<Connection> {
    dockerFor(url); // rejects URLs we cannot use
    const id = `custom:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.opts.settings.update((s) => {
      s.connections.push({ id, name, url });
    });
    await this.check(id);
    return (await this.list()).find((c) => c.id === id)!;
  }

  async remove(id: string): Promise<void> {
    const saved = this.opts.settings.get().connections.find((c) => c.id === id);
    if (!saved) throw new HandlerError('only connections you added can be removed', 400, 'invalid-argument');
    const wasCurrent = (await this.currentCandidate())?.id === id;
    await this.opts.settings.update((s) => {
      s.connections = s.connections.filter((c) => c.id !== id);
      if (s.currentConnection === id) delete s.currentConnection;
    });
    this.status.delete(id);
    if (wasCurrent) {
      this.client = undefined;
      this.emit('change', (await this.currentCandidate())?.id);
    }
  }

  /** Pings one connection, or all; a slow engine counts as down after a few seconds. */
  async check(id?: string): Promise<Connection[]> {
    const targets = (await this.candidates()).filter((c) => !id || c.id === id);
    await Promise.all(
      targets.map(async (c) => {
        try {
          await withTimeout(dockerFor(c.url).ping(), PING_TIMEOUT_MS, `${c.name} did not answer within 3 s`);
          this.status.set(c.id, { status: 'up' });
        } catch (err) {
          this.status.set(c.id, { status: 'down', error: (err as Error).message });
        }
      }),
    );
    return this.list();
  }
}

function hostKind(url: string): ConnectionKind {
  if (url.startsWith('ssh://')) return 'ssh';
  if (url.startsWith('tcp://') || url.startsWith('http')) return 'tcp';
  return 'socket';
}

function socketName(path: string): string {
  if (path.includes('podman')) return `Podman (${path})`;
  return `Docker (${path})`;
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerError(message, undefined, 'engine-unreachable')), ms);
    }),
  ]);
}
