import type { Router } from '../router.js';
import { boolParam, parseFilters, readJSON, sendEmpty, sendJSON, versionAtLeast } from '../http.js';
import type { VolumeService } from '../../volumes/service.js';
import { EngineError, InvalidArgumentError } from '../../errors.js';

interface CreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`invalid ${field}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/** `/volumes…`: create, list, inspect, update (refused: no swarm), remove, prune. */
export function volumeRoutes(router: Router, volumes: VolumeService): void {
  router.post('/volumes/create', async (ctx) => {
    const body = (await readJSON<CreateBody>(ctx.req)) ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('invalid JSON body');
    const view = await volumes.create({
      name: body.Name ?? '',
      driver: body.Driver ?? '',
      labels: stringMap(body.Labels, 'Labels'),
      options: stringMap(body.DriverOpts, 'DriverOpts'),
    });
    sendJSON(ctx.res, 201, view);
  });

  router.get('/volumes', (ctx) => {
    const filters = parseFilters(ctx.query, ['dangling', 'name', 'label', 'driver']);
    sendJSON(ctx.res, 200, { Volumes: volumes.list(filters), Warnings: [] });
  });

  router.post('/volumes/prune', async (ctx) => {
    const filters = parseFilters(ctx.query, ['label', 'label!', 'all']);
    // API 1.42 made prune anonymous-only by default; older clients keep pruning every unused volume.
    const all = !versionAtLeast(ctx, '1.42');
    sendJSON(ctx.res, 200, await volumes.prune(filters, { all }));
  });

  router.get('/volumes/([^/]+)', (ctx) => {
    sendJSON(ctx.res, 200, volumes.inspect(ctx.params[0]!));
  });

  router.put('/volumes/([^/]+)', () => {
    // Only swarm cluster volumes can be updated; dockerd answers this when swarm is off.
    throw new EngineError('volume update only valid for cluster volumes, but swarm is disabled', 503);
  });

  router.delete('/volumes/([^/]+)', async (ctx) => {
    await volumes.remove(ctx.params[0]!, { force: boolParam(ctx.query, 'force') });
    sendEmpty(ctx.res, 204);
  });
}
