// The container list as rows: search, filter and sort, then Compose projects folded into groups
// (collapsible) that sort among standalone containers. Pure functions, so they are easy to test.
import type { ContainerSummary } from '../../bridge/contract';

export type SortKey = 'name' | 'status' | 'created' | 'image';
export type SortDir = 'asc' | 'desc';
export type StatusFilter = 'all' | 'running' | 'stopped';

export interface ListPrefs {
  sort: SortKey;
  dir: SortDir;
  filter: StatusFilter;
  /** Collapsed Compose projects. */
  collapsed: string[];
}

export type Row =
  | {
      kind: 'group';
      key: string;
      project: string;
      containers: ContainerSummary[];
      running: number;
      collapsed: boolean;
    }
  | { kind: 'container'; key: string; c: ContainerSummary; project?: string };

export function isRunning(c: ContainerSummary): boolean {
  return c.state === 'running' || c.state === 'paused' || c.state === 'restarting';
}

/** How far "up" a state is, for sorting by status (running first when descending). */
const STATUS_RANK: Record<ContainerSummary['state'], number> = {
  running: 6,
  restarting: 5,
  paused: 4,
  created: 3,
  removing: 2,
  exited: 1,
  dead: 0,
};

export function matches(c: ContainerSummary, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return (
    c.name.toLowerCase().includes(q) ||
    c.image.toLowerCase().includes(q) ||
    c.id.startsWith(q) ||
    (c.project?.toLowerCase().includes(q) ?? false) ||
    c.ports.some((p) => String(p.publicPort ?? '') === q || String(p.privatePort) === q)
  );
}

function passes(c: ContainerSummary, filter: StatusFilter): boolean {
  if (filter === 'running') return isRunning(c);
  if (filter === 'stopped') return !isRunning(c);
  return true;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareContainers(a: ContainerSummary, b: ContainerSummary, key: SortKey): number {
  switch (key) {
    case 'name':
      return collator.compare(a.name, b.name);
    case 'image':
      return collator.compare(a.image, b.image) || collator.compare(a.name, b.name);
    case 'status':
      return STATUS_RANK[a.state] - STATUS_RANK[b.state] || collator.compare(b.name, a.name);
    case 'created':
      return a.created - b.created || collator.compare(a.name, b.name);
  }
}

/** A group sorts by its project name, its newest member, its "highest" status or its first image. */
function groupSortValue(members: ContainerSummary[], key: SortKey, dir: SortDir): ContainerSummary {
  const best = [...members].sort((a, b) => compareContainers(a, b, key) * (dir === 'asc' ? 1 : -1))[0]!;
  return key === 'name' ? { ...best, name: best.project ?? best.name } : best;
}

/** The visible rows for a container list and the user's choices. */
export function buildRows(all: ContainerSummary[], query: string, prefs: ListPrefs): Row[] {
  const q = query.trim();
  const sign = prefs.dir === 'asc' ? 1 : -1;
  const cmp = (a: ContainerSummary, b: ContainerSummary) => compareContainers(a, b, prefs.sort) * sign;
  const shown = all.filter((c) => passes(c, prefs.filter) && matches(c, q));
  const groups = new Map<string, ContainerSummary[]>();
  const items: { sortAs: ContainerSummary; rows: () => Row[] }[] = [];
  for (const c of shown) {
    if (c.project) {
      let g = groups.get(c.project);
      if (!g) groups.set(c.project, (g = []));
      g.push(c);
    } else {
      items.push({ sortAs: c, rows: () => [{ kind: 'container', key: c.id, c }] });
    }
  }
  const collapsed = new Set(prefs.collapsed);
  for (const [project, members] of groups) {
    members.sort(cmp);
    const isCollapsed = collapsed.has(project);
    items.push({
      sortAs: groupSortValue(members, prefs.sort, prefs.dir),
      rows: () => [
        {
          kind: 'group',
          key: `group:${project}`,
          project,
          containers: members,
          running: members.filter(isRunning).length,
          collapsed: isCollapsed,
        },
        ...(isCollapsed ? [] : members.map((c): Row => ({ kind: 'container', key: c.id, c, project }))),
      ],
    });
  }
  items.sort((a, b) => cmp(a.sortAs, b.sortAs));
  return items.flatMap((i) => i.rows());
}

/** The containers a row stands for (a group: all its members). */
export function rowContainers(row: Row): ContainerSummary[] {
  return row.kind === 'group' ? row.containers : [row.c];
}
