// Connects an xterm Terminal to a terminal session over the bridge: output written as it comes and
// acknowledged once xterm has parsed it (the server pauses the container's output while too much is
// in flight, so `yes` cannot flood the page), keystrokes and resizes sent as methods.
import type { Terminal } from '@xterm/xterm';
import { getBridge } from '../../bridge';
import type { BridgeError, TerminalExit, TerminalReady } from '../../bridge/contract';
import { newStreamId } from '../logs/ids';

/** Acknowledge every this many parsed characters (well under the server's window). */
const ACK_CHARS = 256 * 1024;
/** Largest piece of a paste sent in one call. */
const INPUT_CHUNK = 256 * 1024;

export type SessionState =
  | { kind: 'connecting' }
  | { kind: 'connected'; ready: TerminalReady }
  | { kind: 'ended'; exit?: Omit<TerminalExit, 'kind'>; manual?: boolean }
  | { kind: 'error'; error: BridgeError };

export interface SessionOptions {
  containerId: string;
  mode: 'exec' | 'attach';
  command: string[];
  user?: string;
  onState(state: SessionState): void;
  /** Characters xterm has parsed so far in this session (for the status line and benchmarks). */
  onWritten?(chars: number): void;
}

export interface LiveSession {
  close(): void;
}

export function openSession(term: Terminal, opts: SessionOptions): LiveSession {
  const bridge = getBridge();
  const sessionId = newStreamId('term');
  let ready = false;
  let closed = false;
  let exit: Omit<TerminalExit, 'kind'> | undefined;
  let unacked = 0;
  let written = 0;

  const send = (data: string, binary = false) => {
    if (!ready) return;
    for (let i = 0; i < data.length; i += INPUT_CHUNK)
      void bridge.call('terminal.input', {
        sessionId,
        data: data.slice(i, i + INPUT_CHUNK),
        ...(binary ? { binary } : {}),
      });
  };
  const sendSize = (cols: number, rows: number) => {
    if (ready) void bridge.call('terminal.resize', { sessionId, cols, rows });
  };

  const listeners = [
    term.onData((d) => send(d)),
    term.onBinary((d) => send(d, true)),
    // Every fit that changes the size reaches the process (SIGWINCH).
    term.onResize(({ cols, rows }) => sendSize(cols, rows)),
  ];

  opts.onState({ kind: 'connecting' });
  const sub = bridge.subscribe(
    'terminal',
    {
      sessionId,
      containerId: opts.containerId,
      mode: opts.mode,
      command: opts.command,
      ...(opts.user ? { user: opts.user } : {}),
      cols: term.cols,
      rows: term.rows,
    },
    {
      onEvent: (e) => {
        if (closed) return;
        switch (e.kind) {
          case 'ready':
            ready = true;
            // Without a TTY, output has bare '\n' line ends.
            term.options.convertEol = !e.tty;
            opts.onState({ kind: 'connected', ready: e });
            // The terminal may have been resized while the session opened.
            sendSize(term.cols, term.rows);
            break;
          case 'data': {
            const n = e.data.length;
            term.write(e.data, () => {
              written += n;
              opts.onWritten?.(written);
              unacked += n;
              if (unacked >= ACK_CHARS && !closed) {
                void bridge.call('terminal.ack', { sessionId, chars: unacked });
                unacked = 0;
              }
            });
            break;
          }
          case 'exit':
            exit = { reason: e.reason, ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}) };
            break;
        }
      },
      onEnd: (error) => {
        if (closed) return;
        ready = false;
        for (const l of listeners) l.dispose();
        // Report the end once the output before it has been drawn.
        term.write('', () => opts.onState(error ? { kind: 'error', error } : { kind: 'ended', exit }));
      },
    },
  );

  return {
    close() {
      if (closed) return;
      closed = true;
      ready = false;
      for (const l of listeners) l.dispose();
      sub.close();
    },
  };
}
