/**
 * Turning registry error responses (`{"errors":[{"code","message","detail"}]}`) into engine errors
 * with dockerd's wording.
 */
import type { IncomingMessage } from 'node:http';
import { EngineError, ForbiddenError, NotFoundError, SystemError, UnauthorizedError } from '../errors.js';
import { familiarName, familiarString, type Reference } from '../reference/index.js';
import { readBody } from './transport.js';

export interface RegistryErrorEntry {
  code: string;
  message?: string;
  detail?: unknown;
}

/** `MANIFEST_UNKNOWN` + `manifest unknown` → `manifest unknown: manifest unknown` (errcode's Error()). */
export function formatErrorEntry(e: RegistryErrorEntry): string {
  const code = e.code.toLowerCase().replace(/_/g, ' ');
  return e.message ? `${code}: ${e.message}` : code;
}

export function parseErrorBody(body: Buffer): RegistryErrorEntry[] {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown; message?: unknown };
    if (Array.isArray(v.errors)) {
      return v.errors.filter(
        (e): e is RegistryErrorEntry =>
          !!e && typeof e === 'object' && typeof (e as RegistryErrorEntry).code === 'string',
      );
    }
  } catch {
    // not JSON
  }
  return [];
}

/** An HTTP error answer from a registry, with its parsed error entries. */
export class RegistryHttpError extends EngineError {
  constructor(
    message: string,
    status: number,
    readonly httpStatus: number,
    readonly entries: RegistryErrorEntry[],
  ) {
    super(message, status);
  }
}

/** Reads the error body of `res` (bounded) and builds a RegistryHttpError describing `what`. */
export async function errorFromResponse(res: IncomingMessage, what: string): Promise<RegistryHttpError> {
  let body: Buffer = Buffer.alloc(0);
  try {
    body = await readBody(res, 64 * 1024);
  } catch {
    // keep the status alone
  }
  const entries = parseErrorBody(body);
  const status = res.statusCode ?? 500;
  let text: string;
  if (entries.length) text = formatErrorEntry(entries[0]);
  else if (status === 401) text = 'unauthorized: authentication required';
  else if (status === 404) text = 'not found';
  else {
    const snippet = body.toString('utf8').trim().slice(0, 200);
    text =
      `unexpected status from ${what}: ${status} ${res.statusMessage ?? ''}`.trim() +
      (snippet ? `: ${snippet}` : '');
  }
  const mapped = status === 401 ? 401 : status === 403 ? 403 : status === 404 ? 404 : 500;
  return new RegistryHttpError(text, mapped, status, entries);
}

/**
 * dockerd's translation of pull errors: denied / unknown repo / unknown manifest become 404s with
 * "pull access denied for …", "repository … not found" or "manifest for … not found".
 */
export function translatePullError(err: unknown, ref: Reference): unknown {
  if (!(err instanceof RegistryHttpError)) return err;
  const code = err.entries[0]?.code;
  if (code === 'DENIED' || (code === 'UNAUTHORIZED' && ref.domain === 'docker.io')) {
    const cause = code === 'DENIED' ? err.message : 'denied: requested access to the resource is denied';
    return new NotFoundError(
      `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'docker login': ${cause}`,
    );
  }
  if (code === 'MANIFEST_UNKNOWN')
    return new NotFoundError(`manifest for ${familiarString(ref)} not found: ${err.message}`);
  if (code === 'NAME_UNKNOWN')
    return new NotFoundError(`repository ${familiarName(ref)} not found: ${err.message}`);
  if (err.httpStatus === 404) {
    return new NotFoundError(
      `manifest for ${familiarString(ref)} not found: manifest unknown: manifest unknown`,
    );
  }
  if (err.status === 401) return new UnauthorizedError(err.message);
  if (err.status === 403) return new ForbiddenError(err.message);
  return new SystemError(err.message);
}

/** Maps an internal RegistryHttpError to the engine's standard error classes (same message). */
export function toEngineError(err: unknown): unknown {
  if (!(err instanceof RegistryHttpError)) return err;
  if (err.status === 401) return new UnauthorizedError(err.message);
  if (err.status === 403) return new ForbiddenError(err.message);
  if (err.status === 404) return new NotFoundError(err.message);
  return new SystemError(err.message);
}
