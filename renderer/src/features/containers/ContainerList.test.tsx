// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { setBridge } from '../../bridge';
import type { BerthBridge, ContainerSummary, Result } from '../../bridge/contract';
import { useLanguage } from '../../i18n';
import { ContainerList } from './ContainerList';
import { useListPrefs } from './list-prefs';

function container(i: number, over: Partial<ContainerSummary> = {}): ContainerSummary {
  const id = i.toString(16).padStart(64, '0');
  return {
    id,
    name: `ctr-${String(i).padStart(4, '0')}`,
    names: [`ctr-${i}`],
    image: i % 2 ? 'nginx:latest' : 'redis:7',
    imageId: 'sha256:' + '1'.repeat(64),
    command: 'sleep 1',
    created: 1_700_000_000 + i,
    state: i % 3 === 0 ? 'exited' : 'running',
    status: i % 3 === 0 ? 'Exited (0) 1 hour ago' : 'Up 1 hour',
    ports: i === 1 ? [{ privatePort: 80, publicPort: 8080, ip: '0.0.0.0', type: 'tcp' }] : [],
    labels: {},
    ...over,
  };
}

interface Recorded {
  method: string;
  args: unknown;
}

let calls: Recorded[];
let subscriptions: { topic: string; args: unknown }[];
let data: ContainerSummary[];

function fakeBridge(): BerthBridge {
  return {
    async call(method, args) {
      calls.push({ method, args });
      if (method === 'containers.list') return { ok: true, value: data } as Result<never>;
      const ids = (args as { ids?: string[] }).ids ?? [];
      return { ok: true, value: ids.map((id) => ({ id, ok: true })) } as Result<never>;
    },
    subscribe(topic, args) {
      subscriptions.push({ topic, args });
      return { close() {} };
    },
  };
}

function renderList() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <ContainerList />
    </QueryClientProvider>,
  );
}

const bodyRows = () => screen.getAllByRole('row').filter((r) => r.getAttribute('aria-rowindex') !== '1');

beforeAll(() => {
  // jsdom lays nothing out: give the scroll area a size so the virtualizer has a window to fill.
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1200 });
  HTMLDialogElement.prototype.showModal = function () {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function () {
    this.removeAttribute('open');
  };
  useLanguage.setState({ language: 'en' });
});

beforeEach(() => {
  calls = [];
  subscriptions = [];
  localStorage.clear();
  useListPrefs.getState().reload();
  setBridge(fakeBridge());
});

afterEach(cleanup);

describe('ContainerList', () => {
  it('renders only the visible rows of 5,000 containers, and follows the scroll', async () => {
    data = Array.from({ length: 5000 }, (_, i) => container(i));
    useListPrefs.getState().sortBy('name', 'asc');
    renderList();
    const grid = await screen.findByRole('grid', { name: 'Containers' });
    expect(grid.getAttribute('aria-rowcount')).toBe('5001');
    const rows = bodyRows();
    // 600 px / 44 px rows ≈ 14 on screen, plus overscan.
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(40);
    expect(within(rows[0]!).getByRole('link', { name: 'ctr-0000' })).toBeTruthy();

    const scroller = grid.querySelector('.ctr-scroll') as HTMLElement;
    await act(async () => {
      scroller.scrollTop = 44 * 2500;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(screen.queryByRole('link', { name: 'ctr-2500' })).toBeTruthy());
    expect(screen.queryByRole('link', { name: 'ctr-0000' })).toBeNull();
    expect(bodyRows().length).toBeLessThan(40);
    // Sparklines stream only for the running containers on screen (the subscription follows the
    // scroll a moment later, so wait for it).
    await waitFor(() => {
      const last = subscriptions.filter((s) => s.topic === 'containers.statsMany').at(-1);
      const ids = (last?.args as { ids: string[] } | undefined)?.ids ?? [];
      expect(ids.length).toBeLessThan(40);
      expect(ids).toContain(container(2500).id);
    });
  });

  it('filters, searches and sorts, and remembers the sort', async () => {
    data = Array.from({ length: 30 }, (_, i) => container(i));
    renderList();
    await screen.findByRole('grid');
    fireEvent.click(screen.getByRole('button', { name: 'Stopped' }));
    await waitFor(() => expect(bodyRows()).toHaveLength(10));
    for (const r of bodyRows()) expect(within(r).getByText(/Exited/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'All' }));
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search containers' }), {
      target: { value: 'ctr-001' },
    });
    await waitFor(() => expect(bodyRows()).toHaveLength(10));

    fireEvent.change(screen.getByRole('searchbox', { name: 'Search containers' }), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: /^Name/ }));
    await waitFor(() =>
      expect(within(bodyRows()[0]!).queryByRole('link', { name: 'ctr-0000' })).toBeTruthy(),
    );
    fireEvent.click(screen.getByRole('button', { name: /^Name/ }));
    await waitFor(() =>
      expect(within(bodyRows()[0]!).queryByRole('link', { name: 'ctr-0029' })).toBeTruthy(),
    );
    expect(JSON.parse(localStorage.getItem('berth.containers.list')!)).toMatchObject({
      sort: 'name',
      dir: 'desc',
    });
    const header = screen.getAllByRole('columnheader').find((h) => h.textContent?.startsWith('Name'))!;
    expect(header.getAttribute('aria-sort')).toBe('descending');

    fireEvent.change(screen.getByRole('combobox', { name: /Sort/ }), { target: { value: 'image:asc' } });
    await waitFor(() => expect(within(bodyRows()[0]!).getByText('nginx:latest')).toBeTruthy());
    expect(useListPrefs.getState()).toMatchObject({ sort: 'image', dir: 'asc' });
  });

  it('selects with checkboxes and shift-click, and runs bulk actions on the selection', async () => {
    data = Array.from({ length: 10 }, (_, i) => container(i));
    useListPrefs.getState().sortBy('name', 'asc');
    renderList();
    await screen.findByRole('grid');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select ctr-0001' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select ctr-0005' }), { shiftKey: true });
    const bar = await screen.findByRole('toolbar', { name: 'Actions on the selected containers' });
    expect(within(bar).getByText('5 selected')).toBeTruthy();

    fireEvent.click(within(bar).getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'containers.stop')).toBe(true));
    const stop = calls.find((c) => c.method === 'containers.stop')!;
    // ctr-0003 is stopped already: only the running ones are asked to stop.
    expect((stop.args as { ids: string[] }).ids).toEqual([1, 2, 4, 5].map((i) => container(i).id));

    const remove = within(bar).getByRole('button', { name: 'Remove' }) as HTMLButtonElement;
    await waitFor(() => expect(remove.disabled).toBe(false));
    fireEvent.click(remove);
    const dialog = await screen.findByRole('dialog', { name: 'Remove 5 containers?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove 5' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'containers.remove')).toBe(true));
    expect(calls.find((c) => c.method === 'containers.remove')!.args).toMatchObject({ force: true });

    fireEvent.click(screen.getByRole('checkbox', { name: 'Select all shown containers' }));
    await waitFor(() => expect(screen.getByText('10 selected')).toBeTruthy());
  });

  it('groups Compose projects, collapsible', async () => {
    data = [
      container(1, { name: 'shop-web-1', project: 'shop' }),
      container(2, { name: 'shop-db-1', project: 'shop' }),
      container(4, { name: 'lonely' }),
    ];
    renderList();
    const toggle = await screen.findByRole('button', { name: 'Collapse shop' });
    expect(screen.getByText('2 of 2 running')).toBeTruthy();
    expect(bodyRows()).toHaveLength(4);
    fireEvent.click(toggle);
    await waitFor(() => expect(bodyRows()).toHaveLength(2));
    expect(screen.getByRole('button', { name: 'Expand shop' }).getAttribute('aria-expanded')).toBe('false');
    expect(useListPrefs.getState().collapsed).toEqual(['shop']);
    // Selecting the group selects its members.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select every container of shop' }));
    expect(screen.getByText('2 selected')).toBeTruthy();
  });

  it('moves with the arrow keys, opens with Enter and asks before removing with Delete', async () => {
    data = Array.from({ length: 5 }, (_, i) => container(i + 1));
    useListPrefs.getState().sortBy('name', 'asc');
    renderList();
    const grid = await screen.findByRole('grid');
    grid.focus();
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('ctr-row-2');
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(location.hash).toBe(`#/containers/${container(3).id}/logs`);

    fireEvent.keyDown(grid, { key: 'ArrowUp', shiftKey: true });
    expect(screen.getByText('2 selected')).toBeTruthy();
    fireEvent.keyDown(grid, { key: 'Delete' });
    const dialog = await screen.findByRole('dialog', { name: 'Remove 2 containers?' });
    expect(within(dialog).getByText('ctr-0002')).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(calls.some((c) => c.method === 'containers.remove')).toBe(false);
    fireEvent.keyDown(grid, { key: 'Escape' });
    expect(screen.queryByText('2 selected')).toBeNull();
  });

  it('links published ports to the browser', async () => {
    data = [container(1)];
    renderList();
    const link = await screen.findByRole('link', { name: /8080:80/ });
    expect(link.getAttribute('href')).toBe('http://localhost:8080');
    expect(link.getAttribute('target')).toBe('_blank');
  });
});
