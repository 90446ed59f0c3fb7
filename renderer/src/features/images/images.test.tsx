// @vitest-environment jsdom
// The Images page with a fake bridge: filters, keyboard, the remove conflict flow, and the pull dialog
// fed by a fake subscription (progress bars, cancel, background indicator).
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import {
  setBridge,
  type BerthBridge,
  type ImageSummary,
  type Result,
  type TransferEvent,
} from '../../bridge';
import { ImagesPage } from './ImagesPage';
import { explainConflict } from './RemoveDialog';
import { useTransfers } from './transfers';
import { useImagesUi } from './ui-store';

const img = (over: Partial<ImageSummary>): ImageSummary => ({
  id: 'sha256:' + '0'.repeat(64),
  repoTags: [],
  repoDigests: [],
  size: 1_000_000,
  sharedSize: 0,
  created: 1_700_000_000,
  labels: {},
  containers: 0,
  runningContainers: 0,
  inUse: false,
  dangling: false,
  ...over,
});

const IMAGES = [
  img({
    id: 'sha256:' + 'a'.repeat(64),
    repoTags: ['busybox:latest'],
    inUse: true,
    containers: 2,
    created: 3,
  }),
  img({ id: 'sha256:' + 'b'.repeat(64), repoTags: ['app:1.0', 'app:latest'], size: 5_000_000, created: 2 }),
  img({
    id: 'sha256:' + 'c'.repeat(64),
    repoDigests: ['app@sha256:' + 'd'.repeat(64)],
    dangling: true,
    created: 1,
  }),
];

type Handler = (args: unknown) => Result<unknown>;
let handlers: Record<string, Handler>;
let calls: { method: string; args: unknown }[];
let subscription: {
  topic: string;
  args: unknown;
  emit(e: TransferEvent): void;
  end(error?: unknown): void;
  closed: boolean;
};

const bridge: BerthBridge = {
  async call(method, args) {
    calls.push({ method, args });
    const h = handlers[method];
    return (h ? h(args) : { ok: false, error: { message: `no fake for ${method}` } }) as never;
  },
  subscribe(topic, args, h) {
    const sub = {
      topic,
      args,
      closed: false,
      emit: (e: TransferEvent) => act(() => h.onEvent(e as never)),
      end: (error?: unknown) => act(() => h.onEnd?.(error as never)),
    };
    if (topic !== 'events') subscription = sub;
    return {
      close: () => {
        sub.closed = true;
        h.onEnd?.();
      },
    };
  },
};

beforeAll(() => {
  // jsdom has no modal dialogs; opening one just sets `open`.
  HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function (this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
  // Apply transfer events at once instead of on the next frame.
  globalThis.requestAnimationFrame = ((cb: FrameRequestCallback) => {
    cb(0);
    return 0;
  }) as typeof requestAnimationFrame;
  setBridge(bridge);
});

beforeEach(() => {
  calls = [];
  handlers = { 'images.list': () => ({ ok: true, value: IMAGES }) };
  location.hash = '#/images';
  useImagesUi.setState({
    filter: 'all',
    search: '',
    sort: { key: 'created', desc: true },
    pullOpen: false,
    pruneOpen: false,
    push: undefined,
  });
  useTransfers.setState({ transfers: [] });
});
afterEach(cleanup);

function renderPage(params: string[] = []) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <ImagesPage params={params} />
    </QueryClientProvider>,
  );
}

const bodyRows = () =>
  within(screen.getByRole('table', { name: 'Images' }))
    .getAllByRole('row')
    .slice(1);

describe('image list', () => {
  it('filters by state and search, with counts', async () => {
    renderPage();
    await screen.findByRole('row', { name: 'busybox:latest' });
    expect(bodyRows()).toHaveLength(3);
    expect(screen.getByRole('button', { name: /^In use/ }).textContent).toBe('In use1');
    fireEvent.click(screen.getByRole('button', { name: /^Dangling/ }));
    expect(bodyRows().map((r) => r.getAttribute('aria-label'))).toEqual(['app@dddddddddddd']);
    fireEvent.click(screen.getByRole('button', { name: /^Unused/ }));
    expect(bodyRows()).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: /^All/ }));
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search images' }), {
      target: { value: 'app:1' },
    });
    expect(bodyRows().map((r) => r.getAttribute('aria-label'))).toEqual(['app:1.0']);
  });

  it('sorts by a column and remembers it', async () => {
    renderPage();
    await screen.findByRole('row', { name: 'busybox:latest' });
    fireEvent.click(screen.getByRole('button', { name: /Size/ }));
    expect(bodyRows()[0]!.getAttribute('aria-label')).toBe('app:1.0');
    expect(JSON.parse(localStorage.getItem('berth.images.sort')!)).toEqual({ key: 'size', desc: true });
  });

  it('moves with arrows, opens with Enter and asks before removing with Delete', async () => {
    renderPage();
    const first = await screen.findByRole('row', { name: 'busybox:latest' });
    act(() => first.focus());
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    const second = screen.getByRole('row', { name: 'app:1.0' });
    expect(document.activeElement).toBe(second);
    fireEvent.keyDown(second, { key: 'Enter' });
    expect(location.hash).toBe(`#/images/${encodeURIComponent(IMAGES[1]!.id)}`);
    fireEvent.keyDown(second, { key: 'Delete' });
    const dialog = screen.getByRole('dialog', { name: 'Remove image' });
    // Both tags are listed: they go with the image.
    expect(within(dialog).getByText('app:latest')).toBeTruthy();
  });
});

describe('remove', () => {
  it('explains a conflict and removes with force', async () => {
    let attempt = 0;
    handlers['images.remove'] = () =>
      attempt++ === 0
        ? {
            ok: false,
            error: {
              status: 409,
              message: `conflict: unable to delete aaaaaaaaaaaa (must be forced) - image is being used by stopped container 0123456789ab`,
            },
          }
        : { ok: true, value: { untagged: ['busybox:latest'], deleted: [IMAGES[0]!.id] } };
    renderPage();
    await screen.findByRole('row', { name: 'busybox:latest' });
    fireEvent.click(screen.getByRole('button', { name: 'Remove busybox:latest' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove image' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await within(dialog).findByText(/A stopped container \(0123456789ab\)/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Force remove' }));
    await vi.waitFor(() => expect(screen.queryByRole('dialog', { name: 'Remove image' })).toBeNull());
    expect(calls.filter((c) => c.method === 'images.remove').map((c) => c.args)).toEqual([
      { id: IMAGES[0]!.id, force: false },
      { id: IMAGES[0]!.id, force: true },
    ]);
  });

  it('tells which conflicts force can fix', () => {
    expect(
      explainConflict(
        'conflict: unable to delete x (cannot be forced) - image is being used by running container abcdefabcdef',
      ),
    ).toMatchObject({ key: 'images.remove.conflictRunning', forceHelps: false, container: 'abcdefabcdef' });
    expect(
      explainConflict('unable to delete x (must be forced) - image is referenced in multiple repositories'),
    ).toMatchObject({ key: 'images.remove.conflictTags', forceHelps: true });
    expect(
      explainConflict(
        'conflict: unable to remove repository reference "a" (must force) - container 0123456789ab is using its referenced image x',
      ),
    ).toMatchObject({ key: 'images.remove.conflictReference', forceHelps: true });
  });
});

describe('pull dialog', () => {
  const overall = { current: 300, total: 1000, layersDone: 1, layersTotal: 3 };

  it('shows live per-layer progress, continues in the background and cancels', async () => {
    renderPage();
    await screen.findByRole('row', { name: 'busybox:latest' });
    fireEvent.click(screen.getByRole('button', { name: 'Pull…' }));
    const dialog = screen.getByRole('dialog', { name: 'Pull an image' });
    const input = within(dialog).getByLabelText('Image to pull');
    fireEvent.change(input, { target: { value: 'not a valid ref!' } });
    expect((within(dialog).getByRole('button', { name: 'Pull' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'registry.local:5000/app:2.0' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pull' }));
    expect(subscription).toMatchObject({
      topic: 'images.pull',
      args: { ref: 'registry.local:5000/app:2.0' },
    });

    subscription.emit({
      kind: 'status',
      message: 'Pulling from app',
      overall: { ...overall, layersTotal: 0 },
    });
    subscription.emit({
      kind: 'layer',
      layer: { id: 'aaaaaaaaaaaa', status: 'Already exists', phase: 'exists' },
      overall,
    });
    subscription.emit({
      kind: 'layer',
      layer: { id: 'bbbbbbbbbbbb', status: 'Downloading', phase: 'downloading', current: 300, total: 600 },
      overall,
    });
    subscription.emit({
      kind: 'layer',
      layer: { id: 'cccccccccccc', status: 'Waiting', phase: 'waiting' },
      overall,
    });
    const bar = screen.getByRole('progressbar', { name: 'Layer bbbbbbbbbbbb' });
    expect(bar.getAttribute('aria-valuenow')).toBe('50');
    expect(
      screen.getByRole('progressbar', { name: 'Layer aaaaaaaaaaaa' }).getAttribute('aria-valuenow'),
    ).toBe('100');
    expect(screen.getByText('1 of 3 layers · 300 B / 1.0 kB')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Continue in background' }));
    expect(screen.queryByRole('dialog', { name: 'Pull an image' })).toBeNull();
    const indicator = screen.getByRole('button', { name: 'Pulling registry.local:5000/app:2.0' });
    fireEvent.click(indicator);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel pull' }));
    expect(subscription.closed).toBe(true);
    expect(screen.getByText('Pull cancelled.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pulling registry.local:5000/app:2.0' })).toBeNull();
  });

  it('asks for a login when the registry wants credentials, then pulls again', async () => {
    handlers['images.login'] = () => ({
      ok: true,
      value: { registry: 'registry.local:5000', username: 'me', store: 'file' },
    });
    renderPage();
    await screen.findByRole('row', { name: 'busybox:latest' });
    act(() => useImagesUi.getState().openPull());
    const dialog = screen.getByRole('dialog', { name: 'Pull an image' });
    fireEvent.change(within(dialog).getByLabelText('Image to pull'), {
      target: { value: 'registry.local:5000/private' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pull' }));
    const first = subscription;
    first.end({ message: 'no basic auth credentials', status: 401 });
    const form = screen.getByRole('form', { name: 'Registry login' });
    expect((within(form).getByLabelText('Registry') as HTMLInputElement).value).toBe('registry.local:5000');
    fireEvent.change(within(form).getByLabelText('Username'), { target: { value: 'me' } });
    fireEvent.change(within(form).getByLabelText('Password or access token'), { target: { value: 'pw' } });
    fireEvent.submit(form);
    await vi.waitFor(() => expect(subscription).not.toBe(first));
    expect(calls.find((c) => c.method === 'images.login')?.args).toEqual({
      registry: 'registry.local:5000',
      username: 'me',
      password: 'pw',
    });
    expect(subscription.args).toEqual({ ref: 'registry.local:5000/private' });
    subscription.emit({ kind: 'done', ref: 'registry.local:5000/private:latest', upToDate: false, overall });
    subscription.end();
    expect(screen.getByText('Pull complete.')).toBeTruthy();
  });
});
