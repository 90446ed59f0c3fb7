import type { BridgeError } from '../contract/envelope.js';

/** An error a handler throws on purpose, with the envelope fields the UI should see. */
export class HandlerError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: BridgeError['code'],
  ) {
    super(message);
  }
}

/** Maps anything a handler throws (dockerode errors included) to the envelope's error. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof HandlerError) return { message: err.message, status: err.status, code: err.code };
  const e = err as {
    statusCode?: number;
    json?: { message?: string } | null;
    reason?: string;
    message?: string;
    code?: string;
  };
  if (typeof e?.statusCode === 'number') {
    const message = e.json?.message ?? e.reason ?? e.message ?? `engine error ${e.statusCode}`;
    return { message, status: e.statusCode };
  }
  if (e?.code && ['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EACCES'].includes(e.code)) {
    return {
      message: `the engine is not reachable (${e.code}): ${e.message ?? ''}`.trim(),
      code: 'engine-unreachable',
    };
  }
  return { message: e?.message ?? String(err), code: 'internal' };
}
