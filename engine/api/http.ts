import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidArgumentError, statusOf } from '../errors.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Captured groups of the route pattern, URL-decoded. */
  params: string[];
  query: URLSearchParams;
  /** The API version of this request: the path prefix, or the highest we serve when unversioned. */
  version: string;
  /** Set when the client asked to upgrade the connection (attach, exec start). */
  upgrade?: { socket: Duplex; head: Buffer };
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

/** Compares dotted API versions: negative if a < b. */
export function compareVersions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj - bmaj || amin - bmin;
}

export function versionAtLeast(ctx: RequestContext, v: string): boolean {
  return compareVersions(ctx.version, v) >= 0;
}

export function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sends `{"message": …}` with the error's status, unless headers are already out. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJSON(res, statusOf(err), { message: errorMessage(err) });
}

const MAX_JSON_BODY = 16 << 20;

/** Reads and parses a JSON body. An empty body yields `undefined`. */
export async function readJSON<T = unknown>(req: IncomingMessage): Promise<T | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new InvalidArgumentError('request body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new InvalidArgumentError(`invalid JSON: ${errorMessage(err)}`);
  }
}

/** Query booleans as dockerd reads them: 1/true/True (and an empty value counts as false). */
export function boolParam(query: URLSearchParams, name: string, fallback = false): boolean {
  const v = query.get(name);
  if (v === null || v === '') return fallback;
  const lower = v.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw new InvalidArgumentError(`invalid boolean value for ${name}: ${v}`);
}

export type Filters = Map<string, string[]>;

/**
 * Parses the `filters` query parameter: `{"key":["v1","v2"]}` or the legacy `{"key":{"v1":true}}`.
 * Keys not in `allowed` are rejected with dockerd's message.
 */
export function parseFilters(query: URLSearchParams, allowed: readonly string[]): Filters {
  const out: Filters = new Map();
  const raw = query.get('filters');
  if (!raw) return out;
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError(`invalid filter: ${raw}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new InvalidArgumentError('invalid filter');
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    let values: string[];
    if (Array.isArray(value)) values = value.map(String);
    else if (value && typeof value === 'object')
      values = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k]);
    else throw new InvalidArgumentError(`invalid filter '${key}'`);
    if (!allowed.includes(key)) throw new InvalidArgumentError(`invalid filter '${key}'`);
    out.set(key, values);
  }
  return out;
}

/** Decodes the base64url JSON of an `X-Registry-Auth` header (empty or `{}` means none). */
export function registryAuthHeader(req: IncomingMessage): Record<string, string> | undefined {
  const header = req.headers['x-registry-auth'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  try {
    const json = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    const parsed = JSON.parse(json) as Record<string, string>;
    return parsed && typeof parsed === 'object' && Object.keys(parsed).length > 0 ? parsed : undefined;
  } catch {
    throw new InvalidArgumentError('invalid X-Registry-Auth header');
  }
}
