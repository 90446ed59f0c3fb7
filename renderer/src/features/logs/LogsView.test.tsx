// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { setBridge } from '../../bridge';
import { recordingBridge, type RecordedSubscription } from '../../components/fake-bridge';
import type { LogsEvent } from '../../bridge/contract';
import { useLanguage } from '../../i18n';
import { LogsView } from './LogsView';
import { useLogPrefs } from './prefs';

let subs: RecordedSubscription[];
let calls: { method: string; args: Record<string, unknown> }[];

const logSub = () => subs.filter((s) => s.topic === 'logs' && !s.closed).at(-1)!;
const emit = (e: LogsEvent) => act(() => logSub().handlers.onEvent(e));
/** Lets the once-a-frame redraw happen. */
const frame = () => act(() => new Promise((r) => setTimeout(r, 40)));

beforeAll(() => {
  useLanguage.getState().setLanguage('en');
  // jsdom has no layout: a ResizeObserver that never fires is enough.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

beforeEach(() => {
  subs = [];
  calls = [];
  localStorage.clear();
  useLogPrefs.setState({ timestamps: false, tail: 'all' });
  const fake = recordingBridge();
  subs = fake.subs;
  calls = fake.calls;
  setBridge(fake);
});

afterEach(cleanup);

const TS = '2024-05-01T12:00:00.000000001Z';

describe('LogsView', () => {
  it('subscribes with timestamps and shows lines, stderr marked', async () => {
    render(<LogsView containerId="abc" />);
    expect(logSub().args).toMatchObject({ containerId: 'abc', follow: true, tail: 'all', timestamps: true });
    emit({ kind: 'info', id: 'a'.repeat(64), name: 'web', tty: false, running: true });
    emit({ kind: 'lines', text: `${TS} hello\n${TS} oops\n${TS} world`, count: 3, stderr: [1, 2] });
    await frame();
    const rows = screen.getByRole('log', { name: 'Container log' }).querySelectorAll('.log-row');
    expect([...rows].map((r) => r.textContent)).toEqual(['hello', 'oops', 'world']);
    expect(rows[1]!.classList.contains('log-stderr')).toBe(true);
    expect(screen.getByTestId('logs-line-count').textContent).toBe('3 lines');
    expect(screen.getByRole('status').textContent).toContain('Live');

    // Timestamps toggle shows them without fetching again.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Timestamps' }));
    await frame();
    expect(document.querySelector('.log-row .log-ts')!.textContent).toBe(`${TS} `);
    expect(subs.filter((s) => s.topic === 'logs')).toHaveLength(1);
  });

  it('searches with a count and next/previous, highlighting matches', async () => {
    render(<LogsView containerId="abc" />);
    // (jsdom has no layout: keep every line among the rows drawn.)
    const lines = Array.from({ length: 25 }, (_, i) => `${TS} ${i % 5 === 3 ? 'needle' : 'hay'} ${i}`);
    emit({ kind: 'lines', text: lines.join('\n'), count: lines.length });
    await frame();
    const input = screen.getByRole('searchbox', { name: 'Search logs' });
    fireEvent.change(input, { target: { value: 'NEEDLE' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(screen.getByTestId('logs-view').dataset.search).toBe('done'));
    expect(screen.getByTestId('logs-view').dataset.matchCount).toBe('5');
    // Following: the newest match is current.
    await waitFor(() => expect(document.querySelector('.logs-search-status')!.textContent).toBe('5 of 5'));
    expect(document.querySelector('.log-current')!.textContent).toBe('needle 23');
    fireEvent.click(screen.getByRole('button', { name: 'Previous match' }));
    await frame();
    expect(document.querySelector('.logs-search-status')!.textContent).toBe('4 of 5');
    expect(document.querySelector('.log-current mark')!.textContent).toBe('needle');
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.keyDown(input, { key: 'Enter' });
    await frame();
    expect(document.querySelector('.logs-search-status')!.textContent).toBe('1 of 5');
    // Following stopped when we moved to a match.
    expect(screen.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('false');
    fireEvent.keyDown(input, { key: 'Escape' });
    await waitFor(() => expect(document.querySelector('mark')).toBeNull());
  });

  it('acknowledges what it takes in, and clears the view', async () => {
    render(<LogsView containerId="abc" />);
    const line = `${TS} ${'x'.repeat(200)}`;
    const text = Array.from({ length: 1000 }, () => line).join('\n');
    for (let i = 0; i < 4; i++) emit({ kind: 'lines', text, count: 1000 });
    const acked = calls.filter((c) => c.method === 'logs.ack').reduce((n, c) => n + Number(c.args.chars), 0);
    expect(acked).toBeGreaterThan(512 * 1024);
    expect(calls.find((c) => c.method === 'logs.ack')!.args.streamId).toBe(logSub().args.streamId);
    await frame();
    expect(screen.getByTestId('logs-line-count').textContent).toBe('4,000 lines');
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await frame();
    expect(screen.getByTestId('logs-line-count').textContent).toBe('0 lines');
  });

  it('resumes after the last line when the container starts again', async () => {
    render(<LogsView containerId="abc" />);
    emit({ kind: 'info', id: 'abc'.padEnd(64, '0'), name: 'web', tty: false, running: true });
    emit({ kind: 'lines', text: `${TS} one\n${TS} two`, count: 2 });
    act(() => logSub().handlers.onEnd?.());
    await frame();
    expect(screen.getByRole('status').textContent).toContain('not running');
    const events = subs.find((s) => s.topic === 'events')!;
    act(() =>
      events.handlers.onEvent({
        Type: 'container',
        Action: 'start',
        Actor: { ID: 'abc'.padEnd(64, '0'), Attributes: { name: 'web' } },
        time: 0,
        timeNano: 0,
      }),
    );
    await frame();
    expect(logSub().args).toMatchObject({ tail: 'all', resume: { timestamp: TS, seen: 2 } });
    emit({ kind: 'lines', text: `${TS} three`, count: 1 });
    await frame();
    expect(screen.getByTestId('logs-line-count').textContent).toBe('3 lines');
  });

  it('shows an error with a way to reconnect', async () => {
    render(<LogsView containerId="abc" />);
    act(() => logSub().handlers.onEnd?.({ message: 'no such container', status: 404 }));
    await frame();
    expect(screen.getByRole('status').textContent).toContain('no such container');
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(subs.filter((s) => s.topic === 'logs')).toHaveLength(2);
  });
});
