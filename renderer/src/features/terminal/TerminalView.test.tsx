// @vitest-environment jsdom
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { setBridge } from '../../bridge';
import { recordingBridge, type RecordedSubscription } from '../../components/fake-bridge';
import type { TerminalEvent } from '../../bridge/contract';
import { useLanguage } from '../../i18n';
import { TerminalView } from './TerminalView';
import { useTerminalPrefs } from './prefs';

let subs: RecordedSubscription[];
let calls: { method: string; args: Record<string, unknown> }[];

const termSub = () => subs.filter((s) => s.topic === 'terminal').at(-1)!;
const emit = (e: TerminalEvent) => act(() => termSub().handlers.onEvent(e));

beforeAll(() => {
  useLanguage.getState().setLanguage('en');
  // jsdom lacks what xterm asks of a real page (it has no layout; rendering is tested in Chromium).
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    addEventListener() {},
    removeEventListener() {},
    addListener() {},
    removeListener() {},
  })) as unknown as typeof window.matchMedia;
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
  useTerminalPrefs.setState({ mode: 'exec', shell: 'sh', custom: '', user: '' });
  const fake = recordingBridge();
  subs = fake.subs;
  calls = fake.calls;
  setBridge(fake);
});
afterEach(cleanup);

describe('TerminalView', () => {
  it('opens an exec session with the chosen shell and wires output, input and acks', async () => {
    render(<TerminalView containerId="abc" />);
    // xterm is loaded on demand (its own chunk).
    await waitFor(() => expect(subs.some((s) => s.topic === 'terminal')).toBe(true), { timeout: 15_000 });
    expect(document.querySelector('.terminal-overlay')).toBeNull();
    expect(termSub().args).toMatchObject({ containerId: 'abc', mode: 'exec', command: ['/bin/sh'] });
    emit({ kind: 'ready', mode: 'exec', tty: true, stdin: true, execId: 'x' });
    await waitFor(() => expect(screen.getByTestId('terminal-view').dataset.state).toBe('connected'));
    emit({ kind: 'data', data: 'y\r\n'.repeat(100_000) });
    await waitFor(() => expect(calls.some((c) => c.method === 'terminal.ack')).toBe(true), {
      timeout: 10_000,
    });
    expect(calls.find((c) => c.method === 'terminal.ack')!.args.sessionId).toBe(termSub().args.sessionId);
    // Typing goes to the session (xterm turns keys into data).
    const textarea = document.querySelector('.xterm-helper-textarea') as HTMLTextAreaElement;
    fireEvent.keyDown(textarea, { key: 'a', code: 'KeyA', keyCode: 65 });
    fireEvent.keyPress(textarea, { key: 'a', code: 'KeyA', charCode: 97, keyCode: 97 });
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'terminal.input')?.args).toMatchObject({ data: 'a' }),
    );
    // The session ends: the status says so, and another shell opens a new session.
    emit({ kind: 'exit', reason: 'exited', exitCode: 3 });
    act(() => termSub().handlers.onEnd?.());
    await waitFor(() => expect(screen.getByTestId('terminal-view').dataset.state).toBe('ended'));
    expect(document.querySelector('.terminal-statusbar [role=status]')!.textContent).toContain(
      'Process exited with code 3',
    );
    fireEvent.change(screen.getByRole('combobox', { name: 'Shell' }), { target: { value: 'bash' } });
    await waitFor(() => expect(termSub().args).toMatchObject({ command: ['/bin/bash'] }));
    expect(subs.filter((s) => s.topic === 'terminal')[0]!.closed).toBe(true);
  });
});
