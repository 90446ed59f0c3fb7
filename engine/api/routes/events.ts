import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { parseFilters } from '../http.js';
import type { EngineEvent } from '../../events.js';
import { parseTimestamp } from '../../filters.js';
import { InvalidArgumentError } from '../../errors.js';

const EVENT_FILTERS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
];

/** Parses a since/until value to nanoseconds. */
function toNanos(value: string, now: number): bigint {
  const ms = parseTimestamp(value, now);
  return BigInt(Math.round(ms * 1e6));
}

function eventMatcher(filters: Map<string, string[]>): (e: EngineEvent) => boolean {
  return (e) => {
    const type = filters.get('type');
    if (type && !type.includes(e.Type)) return false;
    const event = filters.get('event');
    if (event && !event.some((a) => e.Action === a || e.Action.startsWith(`${a}:`))) return false;
    const scope = filters.get('scope');
    if (scope && !scope.includes(e.scope)) return false;
    for (const kind of ['image', 'container', 'volume', 'network', 'daemon', 'plugin'] as const) {
      const wanted = filters.get(kind);
      if (!wanted) continue;
      if (kind === 'image') {
        // dockerd matches the image ID, the name attribute, or a container's image.
        const names = [e.Actor.ID, e.Actor.Attributes.name, e.Actor.Attributes.image, e.from].filter(
          Boolean,
        ) as string[];
        const ok = wanted.some((w) =>
          names.some(
            // Exact matches only (dockerd): the ID, the name, or the name without its tag/digest.
            (n) =>
              n === w || (!n.startsWith('sha256:') && n.split('@')[0]!.replace(/:[\w][\w.-]*$/, '') === w),
          ),
        );
        if (!ok) return false;
      } else {
        if (e.Type !== kind) return false;
        const ok = wanted.some(
          (w) => e.Actor.ID === w || e.Actor.ID.startsWith(w) || e.Actor.Attributes.name === w,
        );
        if (!ok) return false;
      }
    }
    const labels = filters.get('label');
    if (labels) {
      const attrs = e.Actor.Attributes;
      const ok = labels.every((l) => {
        const i = l.indexOf('=');
        return i < 0 ? l in attrs : attrs[l.slice(0, i)] === l.slice(i + 1);
      });
      if (!ok) return false;
    }
    return true;
  };
}

export function eventRoutes(router: Router, engine: Engine): void {
  router.get('/events', ({ req, res, query }) => {
    const filters = parseFilters(query, EVENT_FILTERS);
    const now = Date.now();
    const sinceRaw = query.get('since');
    const untilRaw = query.get('until');
    const since = sinceRaw ? toNanos(sinceRaw, now) : undefined;
    const until = untilRaw ? toNanos(untilRaw, now) : undefined;
    if (since !== undefined && until !== undefined && until < since) {
      throw new InvalidArgumentError('`since` must be before `until`');
    }
    const matches = eventMatcher(filters);
    const inRange = (e: EngineEvent) => {
      const t = BigInt(e.timeNano);
      return (since === undefined || t >= since) && (until === undefined || t <= until);
    };

    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Flush headers right away so clients see the stream is open.
    res.flushHeaders();
    const send = (e: EngineEvent) => res.write(JSON.stringify(e) + '\n');
    if (since !== undefined) for (const e of engine.events.past()) if (inRange(e) && matches(e)) send(e);

    const nowNanos = BigInt(Date.now()) * 1_000_000n;
    if (until !== undefined && until <= nowNanos) {
      res.end();
      return;
    }
    const unsubscribe = engine.events.subscribe((e) => {
      if (until !== undefined && BigInt(e.timeNano) > until) return;
      if (matches(e)) send(e);
    });
    let timer: NodeJS.Timeout | undefined;
    if (until !== undefined) {
      timer = setTimeout(() => res.end(), Number((until - nowNanos) / 1_000_000n));
    }
    const stop = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
    res.on('close', stop);
    req.on('close', stop);
  });
}
