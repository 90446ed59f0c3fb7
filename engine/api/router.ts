import type { Handler } from './http.js';

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/**
 * Method + regular-expression routing. Image names contain slashes and colons, so patterns capture
 * them with `(.+)` the way dockerd's `{name:.*}` does.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern: new RegExp(`^${pattern}$`), handler });
    return this;
  }

  get(pattern: string, handler: Handler): this {
    return this.add('GET', pattern, handler);
  }

  post(pattern: string, handler: Handler): this {
    return this.add('POST', pattern, handler);
  }

  delete(pattern: string, handler: Handler): this {
    return this.add('DELETE', pattern, handler);
  }

  head(pattern: string, handler: Handler): this {
    return this.add('HEAD', pattern, handler);
  }

  put(pattern: string, handler: Handler): this {
    return this.add('PUT', pattern, handler);
  }

  /** Finds the handler for a request; `methodMismatch` tells a 405 from a 404. */
  match(method: string, path: string): { handler: Handler; params: string[] } | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { handler: route.handler, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
    }
    return { methodMismatch };
  }
}
