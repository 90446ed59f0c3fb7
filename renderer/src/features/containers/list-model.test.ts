import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../bridge/contract';
import { buildRows, type ListPrefs } from './list-model';

const c = (name: string, over: Partial<ContainerSummary> = {}): ContainerSummary => ({
  id: name.padEnd(64, '0'),
  name,
  names: [name],
  image: 'img',
  imageId: '',
  command: '',
  created: 0,
  state: 'running',
  status: '',
  ports: [],
  labels: {},
  ...over,
});

const prefs = (p: Partial<ListPrefs> = {}): ListPrefs => ({
  sort: 'name',
  dir: 'asc',
  filter: 'all',
  collapsed: [],
  ...p,
});

const names = (rows: ReturnType<typeof buildRows>) =>
  rows.map((r) => (r.kind === 'group' ? `[${r.project}]` : r.c.name));

describe('list model', () => {
  const all = [
    c('zeta', { created: 5 }),
    c('alpha', { created: 1, state: 'exited' }),
    c('web', { project: 'shop', created: 9 }),
    c('db', { project: 'shop', created: 2, state: 'exited' }),
    c('mid', { created: 3 }),
  ];

  it('sorts groups among containers and members within their group', () => {
    expect(names(buildRows(all, '', prefs()))).toEqual(['alpha', 'mid', '[shop]', 'db', 'web', 'zeta']);
    expect(names(buildRows(all, '', prefs({ sort: 'created', dir: 'desc' })))).toEqual([
      '[shop]',
      'web',
      'db',
      'zeta',
      'mid',
      'alpha',
    ]);
    expect(names(buildRows(all, '', prefs({ sort: 'status', dir: 'desc' })))).toEqual([
      'mid',
      '[shop]',
      'web',
      'db',
      'zeta',
      'alpha',
    ]);
  });

  it('filters, searches and folds collapsed groups', () => {
    expect(names(buildRows(all, '', prefs({ filter: 'stopped' })))).toEqual(['alpha', '[shop]', 'db']);
    expect(names(buildRows(all, 'sho', prefs()))).toEqual(['[shop]', 'db', 'web']);
    expect(names(buildRows(all, '', prefs({ collapsed: ['shop'] })))).toEqual([
      'alpha',
      'mid',
      '[shop]',
      'zeta',
    ]);
    const group = buildRows(all, '', prefs()).find((r) => r.kind === 'group');
    expect(group).toMatchObject({ running: 1, containers: [{ name: 'db' }, { name: 'web' }] });
  });
});
