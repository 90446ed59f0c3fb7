// Engine connections, engine identity and the live event stream.
import { z } from 'zod';
import { method, topic } from './define.js';

export type ConnectionKind = 'embedded' | 'socket' | 'docker-host' | 'context' | 'ssh' | 'tcp';
export type ConnectionStatus = 'up' | 'down' | 'unknown';

export interface Connection {
  id: string;
  name: string;
  kind: ConnectionKind;
  /** unix:///path, npipe://…, ssh://user@host, tcp://host:port */
  url: string;
  current: boolean;
  /** Added by the user (removable), as opposed to discovered. */
  custom: boolean;
  status: ConnectionStatus;
  error?: string;
}

export interface EngineSummary {
  /** 'berth' for Berth's own engine (which also serves /berth/v1 extras), else 'docker' or 'podman'. */
  flavor: 'berth' | 'docker' | 'podman';
  name: string;
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  cpus: number;
  memory: number;
  containers: { total: number; running: number; paused: number; stopped: number };
  images: number;
  dataRoot: string;
  connection: Connection;
}

/** A Docker engine event (GET /events), or a change of the bridge's own state. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
  scope?: string;
}

export const connectionUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .regex(
    /^(unix|npipe|ssh|tcp|http|https):\/\/\S+$/,
    'a URL like unix:///path/docker.sock or ssh://user@host',
  );

export const systemMethods = {
  /** Who is on the other end of the current connection; fails with engine-unreachable when nobody is. */
  'system.summary': method<EngineSummary>()(z.object({}).strict()),
  'connections.list': method<Connection[]>()(z.object({}).strict()),
  'connections.use': method<Connection>()(z.object({ id: z.string().min(1).max(512) }).strict()),
  'connections.add': method<Connection>()(
    z.object({ name: z.string().trim().min(1).max(100), url: connectionUrl }).strict(),
  ),
  'connections.remove': method<void>()(z.object({ id: z.string().min(1).max(512) }).strict()),
  /** Pings one connection (or all when id is absent) and returns the refreshed list. */
  'connections.check': method<Connection[]>()(
    z.object({ id: z.string().min(1).max(512).optional() }).strict(),
  ),
};

export const systemTopics = {
  /** Every engine event, so lists refresh themselves. Ends (with an error) when the engine goes away. */
  events: topic<EngineEvent>()(z.object({}).strict()),
};
