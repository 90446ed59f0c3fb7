import type { Router } from '../router.js';
import { parseFilters, readJSON, sendEmpty, sendJSON, type Filters } from '../http.js';
import { InvalidArgumentError } from '../../errors.js';
import { excludeLabels, matchLabels, parseTimestamp } from '../../filters.js';
import type { EndpointOptions, NetworkManager, NetworkRecord } from '../../network/index.js';

export interface NetworkRouteDeps {
  networks: NetworkManager;
  /** Resolves a container name/ID to its full ID and name (throws dockerd's 404 when unknown). */
  resolveContainer: (ref: string) => { id: string; name: string };
  /**
   * Connect/disconnect go through the container service when given, so it can record the change
   * for stopped containers; otherwise they act on running containers only.
   */
  connect?: (containerId: string, network: NetworkRecord, config: EndpointOptions) => Promise<void>;
  disconnect?: (containerId: string, network: NetworkRecord, force: boolean) => Promise<void>;
}

type CreateBody = Parameters<NetworkManager['create']>[0];

function listFilter(filters: Filters, networks: NetworkManager): (n: NetworkRecord) => boolean {
  return (n) => {
    const any = (key: string, test: (v: string) => boolean) => {
      const vs = filters.get(key);
      return !vs || vs.some(test);
    };
    return (
      any('driver', (v) => v === n.driver) &&
      any('id', (v) => n.id.startsWith(v)) &&
      any('name', (v) => n.name.includes(v)) &&
      any('scope', (v) => v === 'local') &&
      any('type', (v) => {
        if (v !== 'custom' && v !== 'builtin')
          throw new InvalidArgumentError(`invalid filter: 'type'='${v}'`);
        return (v === 'builtin') === n.predefined;
      }) &&
      any('dangling', (v) => (['true', '1'].includes(v) ? !n.predefined && !networks.inUse(n) : true)) &&
      matchLabels(n.labels, filters.get('label') ?? [])
    );
  };
}

export function networkRoutes(router: Router, deps: NetworkRouteDeps): void {
  const { networks } = deps;

  router.get('/networks', (ctx) => {
    const filters = parseFilters(ctx.query, ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
    const keep = listFilter(filters, networks);
    sendJSON(
      ctx.res,
      200,
      networks
        .list()
        .filter(keep)
        .map((n) => networks.view(n, false)),
    );
  });

  router.post('/networks/create', async (ctx) => {
    const body = (await readJSON<CreateBody>(ctx.req)) ?? {};
    sendJSON(ctx.res, 201, await networks.create(body));
  });

  router.post('/networks/prune', async (ctx) => {
    const filters = parseFilters(ctx.query, ['until', 'label', 'label!']);
    const until = filters.get('until')?.map((v) => parseTimestamp(v));
    const labels = filters.get('label') ?? [];
    const notLabels = filters.get('label!') ?? [];
    const keep = (n: NetworkRecord) =>
      (until !== undefined && until.some((t) => Date.parse(n.created) >= t)) ||
      !matchLabels(n.labels, labels) ||
      !excludeLabels(n.labels, notLabels);
    const removed = await networks.prune(keep);
    sendJSON(ctx.res, 200, { NetworksDeleted: removed });
  });

  router.get('/networks/([^/]+)', (ctx) => {
    sendJSON(ctx.res, 200, networks.inspect(ctx.params[0]!));
  });

  router.delete('/networks/([^/]+)', async (ctx) => {
    await networks.remove(ctx.params[0]!);
    sendEmpty(ctx.res, 204);
  });

  router.post('/networks/([^/]+)/connect', async (ctx) => {
    const n = networks.resolve(ctx.params[0]!);
    const body =
      (await readJSON<{ Container?: string; EndpointConfig?: EndpointOptions | null }>(ctx.req)) ?? {};
    if (!body.Container) throw new InvalidArgumentError('container is required');
    const c = deps.resolveContainer(body.Container);
    const config = body.EndpointConfig ?? {};
    if (deps.connect) await deps.connect(c.id, n, config);
    else await networks.connect(c.id, n.id, config);
    sendEmpty(ctx.res, 200);
  });

  router.post('/networks/([^/]+)/disconnect', async (ctx) => {
    const n = networks.resolve(ctx.params[0]!);
    const body = (await readJSON<{ Container?: string; Force?: boolean }>(ctx.req)) ?? {};
    if (!body.Container) throw new InvalidArgumentError('container is required');
    const c = deps.resolveContainer(body.Container);
    if (deps.disconnect) await deps.disconnect(c.id, n, !!body.Force);
    else await networks.disconnect(c.id, n.id);
    sendEmpty(ctx.res, 200);
  });
}
