/**
 * Errors the engine's services throw. The API layer turns `status` into the HTTP status code and
 * `message` into dockerd's `{"message": …}` body, so messages here use dockerd's wording where
 * clients show or parse them.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request itself is malformed. */
export class InvalidArgumentError extends EngineError {
  constructor(message: string) {
    super(message, 400);
  }
}

/** 401: the registry refused the credentials (or asked for some). */
export class UnauthorizedError extends EngineError {
  constructor(message: string) {
    super(message, 401);
  }
}

/** 403: permission denied. */
export class ForbiddenError extends EngineError {
  constructor(message: string) {
    super(message, 403);
  }
}

/** 404: no such object. */
export class NotFoundError extends EngineError {
  constructor(message: string) {
    super(message, 404);
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends EngineError {
  constructor(message: string) {
    super(message, 409);
  }
}

/** 500: something failed on our side or upstream (registry, filesystem). */
export class SystemError extends EngineError {
  constructor(message: string) {
    super(message, 500);
  }
}

/** Returns the HTTP status an error maps to (500 unless it carries one). */
export function statusOf(err: unknown): number {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  return 500;
}
