// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { setBridge, type VolumeInfo } from '../../bridge';
import { fakeBridge, polyfillDialog } from '../../components/fake-bridge';
import { VolumesPage } from './VolumesPage';
import { base64ToBytes, bytesToBase64, downloadFromVolume } from './transfer';
import { parsePairs } from './VolumeDialogs';
import { useVolumesUi } from './ui-store';

const volumes: VolumeInfo[] = [
  {
    name: 'pgdata',
    driver: 'local',
    mountpoint: '/data/volumes/pgdata/_data',
    scope: 'local',
    createdAt: new Date().toISOString(),
    labels: {},
    options: {},
    anonymous: false,
    size: 12_345_678,
    users: [
      {
        id: 'abc123',
        name: 'db',
        state: 'running',
        running: true,
        destination: '/var/lib/pg',
        readOnly: false,
      },
    ],
  },
  {
    name: 'f'.repeat(64),
    driver: 'local',
    mountpoint: '',
    scope: 'local',
    createdAt: null,
    labels: { 'com.docker.volume.anonymous': '' },
    options: {},
    anonymous: true,
    size: 0,
    users: [],
  },
];

let bridge: ReturnType<typeof fakeBridge>;

function mount(params: string[] = []) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <VolumesPage params={params} />
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  polyfillDialog();
  useVolumesUi.getState().close();
  bridge = fakeBridge({
    'volumes.list': () => volumes,
    'volumes.create': (a: { name?: string }) => ({ ...volumes[1]!, name: a.name ?? 'x' }),
    'volumes.remove': () => {
      throw Object.assign(new Error('remove pgdata: volume is in use - [abc123]'), { status: 409 });
    },
  });
  setBridge(bridge);
});

afterEach(cleanup);

describe('VolumesPage', () => {
  it('lists volumes with size and users linking to their containers', async () => {
    mount();
    const row = await screen.findByRole('row', { name: 'pgdata' });
    expect(within(row).getByText('12.3 MB')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'db' }).getAttribute('href')).toBe(
      '#/containers/abc123/inspect',
    );
    const anon = screen.getByRole('row', { name: 'f'.repeat(64) });
    expect(within(anon).getByText('ffffffffffff…')).toBeTruthy();
    expect(within(anon).getByText('unused')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Unused' }));
    expect(screen.queryByRole('row', { name: 'pgdata' })).toBeNull();
  });

  it('explains that a volume in use cannot be removed (Delete key on a row)', async () => {
    mount();
    const row = await screen.findByRole('row', { name: 'pgdata' });
    fireEvent.keyDown(row, { key: 'Delete' });
    const dialog = await screen.findByRole('dialog', { name: 'Remove volume pgdata?' });
    expect(within(dialog).getByText(/in use by 1 container/)).toBeTruthy();
    expect(within(dialog).getByRole('link', { name: 'db' })).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Remove' }).hasAttribute('disabled')).toBe(true);
  });

  it('validates the create dialog and sends labels and options', async () => {
    mount();
    await screen.findByRole('row', { name: 'pgdata' });
    fireEvent.click(screen.getAllByRole('button', { name: 'Create volume' })[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Create a volume' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: '-bad' } });
    expect(within(dialog).getByText(/starting with a letter or digit/)).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'cache' } });
    fireEvent.change(within(dialog).getByLabelText('Labels'), { target: { value: 'team=web\ntier = db' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(bridge.calls.some((c) => c.method === 'volumes.create')).toBe(true));
    expect(bridge.calls.find((c) => c.method === 'volumes.create')!.args).toEqual({
      name: 'cache',
      driver: 'local',
      driverOpts: {},
      labels: { team: 'web', tier: 'db' },
    });
  });
});

describe('transfers', () => {
  it('round-trips bytes through base64', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(parsePairs('a=1\n\n b = 2 ')).toEqual({ a: '1', b: '2' });
    expect(parsePairs('novalue')).toEqual({ bad: 'novalue' });
  });

  it('downloads chunk by chunk and saves one file', async () => {
    const chunks = ['aGVs', 'bG8K', ''];
    let read = 0;
    setBridge(
      fakeBridge({
        'volumes.downloadStart': () => ({ id: 'abcdef0123', fileName: 'hello.txt', size: 6 }),
        'volumes.downloadRead': () => {
          const data = chunks[read++]!;
          return { data, bytes: Math.min(6, read * 3), done: read === chunks.length };
        },
      }),
    );
    const saved: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      saved.push(b);
      return 'blob:x';
    });
    URL.revokeObjectURL = vi.fn();
    const r = await downloadFromVolume('v', '/hello.txt', 'file');
    expect(r).toEqual({ fileName: 'hello.txt', bytes: 6 });
    expect(await saved[0]!.text()).toBe('hello\n');
  });
});
