import type { Filters } from '../api/http.js';
import { InvalidArgumentError } from '../errors.js';
import { matchLabels } from '../filters.js';
import type { ContainerRecord } from './store.js';
import { containerState } from './views.js';

export const LIST_FILTERS = [
  'ancestor',
  'before',
  'expose',
  'exited',
  'health',
  'id',
  'isolation',
  'is-task',
  'label',
  'name',
  'network',
  'publish',
  'since',
  'status',
  'volume',
];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export interface ListContext {
  resolve(idOrName: string): ContainerRecord;
  /** Image IDs an `ancestor` value names (the image and, by name, any tag). */
  ancestorIds(value: string): Set<string>;
}

/** Applies `docker ps` filters, `all`, `limit`, `before`/`since` ordering (newest first). */
export function listContainers(
  all: ContainerRecord[],
  filters: Filters,
  opts: { all: boolean; limit: number },
  ctx: ListContext,
): ContainerRecord[] {
  for (const s of filters.get('status') ?? []) {
    if (!STATUSES.includes(s)) throw new InvalidArgumentError(`invalid filter 'status=${s}'`);
  }
  const created = (r: ContainerRecord) => Date.parse(r.created);
  const before = filters.get('before')?.map((v) => created(ctx.resolve(v)));
  const since = filters.get('since')?.map((v) => created(ctx.resolve(v)));
  const ancestors = filters.get('ancestor')?.map((a) => ctx.ancestorIds(a));
  const exited = filters.get('exited')?.map((v) => {
    if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`invalid filter 'exited=${v}'`);
    return Number(v);
  });
  const sorted = [...all].sort((a, b) => created(b) - created(a) || b.id.localeCompare(a.id));
  const out: ContainerRecord[] = [];
  // Without `all`, only running containers — unless a status/exited filter asks otherwise.
  const showAll =
    opts.all ||
    filters.has('status') ||
    filters.has('exited') ||
    opts.limit > 0 ||
    before !== undefined ||
    since !== undefined;
  for (const r of sorted) {
    const state = containerState(r);
    if (!showAll && state !== 'running' && state !== 'paused' && state !== 'restarting') continue;
    const f = (k: string) => filters.get(k);
    if (f('id') && !f('id')!.some((v) => r.id.startsWith(v))) continue;
    if (
      f('name') &&
      !f('name')!.some((v) => new RegExp(v).test(r.name.slice(1)) || new RegExp(v).test(r.name))
    )
      continue;
    if (!matchLabels((r.config.Labels as Record<string, string>) ?? {}, f('label'))) continue;
    if (f('status') && !f('status')!.includes(state)) continue;
    if (exited && (state !== 'exited' || !exited.includes(r.state.exitCode))) continue;
    if (ancestors && !ancestors.some((set) => set.has(r.imageId))) continue;
    if (before && !before.every((t) => created(r) < t)) continue;
    if (since && !since.every((t) => created(r) > t)) continue;
    if (
      f('volume') &&
      !f('volume')!.some((v) => r.mounts.some((m) => m.Name === v || m.Source === v || m.Destination === v))
    )
      continue;
    if (f('health') && !f('health')!.includes(r.state.health?.Status ?? 'none')) continue;
    if (
      f('network') &&
      !f('network')!.some((n) => (r.network.mode === 'default' ? 'bridge' : r.network.mode) === n)
    )
      continue;
    if (
      f('publish') &&
      !f('publish')!.some((p) =>
        Object.values(r.ports).some((bs) => bs?.some((b) => b.HostPort === p.split('/')[0])),
      )
    )
      continue;
    if (
      f('expose') &&
      !f('expose')!.some((p) =>
        Object.keys((r.config.ExposedPorts as object) ?? {}).some((k) => k.split('/')[0] === p.split('/')[0]),
      )
    )
      continue;
    if (f('is-task')?.includes('true')) continue;
    out.push(r);
    if (opts.limit > 0 && out.length >= opts.limit) break;
  }
  return out;
}
