// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { setBridge, type DiskSummary, type ReclaimPlan } from '../../bridge';
import { DiskPage } from './DiskPage';
import { fakeBridge, polyfillDialog } from '../../components/fake-bridge';
import { useDiskUi } from './ui-store';

const summary: DiskSummary = {
  layersSize: 3_000_000,
  sharedLayersSize: 1_000_000,
  images: [
    {
      id: 'sha256:aaa',
      name: 'web:1',
      tags: ['web:1'],
      size: 2_500_000,
      sharedSize: 1_000_000,
      uniqueSize: 1_500_000,
      containers: 1,
      dangling: false,
      created: 0,
    },
    {
      id: 'sha256:bbb',
      name: '<none>:<none>',
      tags: [],
      size: 1_500_000,
      sharedSize: 1_000_000,
      uniqueSize: 500_000,
      containers: 0,
      dangling: true,
      created: 0,
    },
  ],
  containers: [
    { id: 'c1', name: 'api', image: 'web:1', state: 'running', active: true, sizeRw: 40_000 },
    { id: 'c2', name: 'old', image: 'web:1', state: 'exited', active: false, sizeRw: 60_000 },
  ],
  volumes: [{ name: 'pgdata', size: 7_000_000, refCount: 0, anonymous: false }],
  buildCache: [],
  totals: {
    images: { count: 2, active: 1, size: 3_000_000, reclaimable: 1_500_000 },
    containers: { count: 2, active: 1, size: 100_000, reclaimable: 60_000 },
    volumes: { count: 1, active: 0, size: 7_000_000, reclaimable: 7_000_000 },
    buildCache: { count: 0, active: 0, size: 0, reclaimable: 0 },
  },
  total: { size: 10_100_000, reclaimable: 8_560_000 },
};

function plan(volumes: boolean): ReclaimPlan {
  return {
    containers: [{ id: 'c2', name: 'old', size: 60_000 }],
    images: [{ id: 'sha256:bbb', name: '<none>:<none>', size: 500_000 }],
    volumes: volumes ? [{ id: 'pgdata', name: 'pgdata', size: 7_000_000 }] : [],
    buildCache: [],
    space: volumes ? 7_560_000 : 560_000,
  };
}

let bridge: ReturnType<typeof fakeBridge>;

function mount() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <DiskPage params={[]} />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  polyfillDialog();
  useDiskUi.getState().closeReclaim();
  bridge = fakeBridge({
    'disk.summary': () => summary,
    'disk.reclaimPreview': (args: { volumes?: boolean }) => plan(Boolean(args.volumes)),
    'disk.reclaim': () => ({
      removed: { containers: ['c2'], images: ['sha256:bbb'], volumes: ['pgdata'], buildCache: [] },
      failed: [],
      spaceReclaimed: 7_500_000,
    }),
  });
  setBridge(bridge);
});

afterEach(cleanup);

describe('DiskPage', () => {
  it('shows totals, a treemap and reclaimable bars', async () => {
    mount();
    expect(await screen.findByTestId('disk-total')).toHaveProperty('textContent', '10.1 MB');
    expect(screen.getByRole('img', { name: /Treemap of 10.1 MB/ })).toBeTruthy();
    const bars = screen.getByRole('region', { name: 'Reclaimable space' });
    const volumes = within(bars).getByRole('meter', { name: 'Reclaimable Volumes' });
    expect(volumes.getAttribute('aria-valuetext')).toBe('7.0 MB');
    const largest = screen.getByRole('region', { name: 'Largest items' });
    expect(
      within(largest)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['pgdata', 'web:1', '<none>:<none>', 'old', 'api']);
  });

  it('reclaims exactly the previewed items after the confirmation', async () => {
    mount();
    await screen.findByTestId('disk-total');
    fireEvent.click(screen.getByRole('button', { name: 'Reclaim space' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reclaim disk space' });
    const list = await within(dialog).findByRole('region', { name: 'What will be removed' });
    expect(within(list).getByText('old')).toBeTruthy();
    expect(within(list).queryByText('pgdata')).toBeNull();
    fireEvent.click(within(dialog).getByLabelText(/Unused volumes/));
    await within(dialog).findByText('pgdata');
    const confirm = within(dialog).getByRole('button', { name: 'Reclaim 7.6 MB' });
    await waitFor(() => expect(confirm.hasAttribute('disabled')).toBe(false));
    fireEvent.click(confirm);
    await waitFor(() => expect(bridge.calls.some((c) => c.method === 'disk.reclaim')).toBe(true));
    expect(bridge.calls.find((c) => c.method === 'disk.reclaim')!.args).toEqual({
      containers: ['c2'],
      images: ['sha256:bbb'],
      volumes: ['pgdata'],
      buildCache: [],
    });
    const previews = bridge.calls.filter((c) => c.method === 'disk.reclaimPreview').map((c) => c.args);
    expect(previews).toContainEqual({
      containers: true,
      danglingImages: true,
      unusedImages: false,
      volumes: true,
      buildCache: true,
    });
  });
});
