// The terminal part of the bridge contract: an interactive session in a container — a new process
// (exec, with a TTY) or the container's own stdio (attach) — whose output streams as text and whose
// input, size and flow control go through methods naming the session.
import { z } from 'zod';
import { method, topic } from './define.js';
import { clientStreamId, containerRef } from './logs.js';

export type TerminalMode = 'exec' | 'attach';

/** The session is open; output follows. */
export interface TerminalReady {
  kind: 'ready';
  mode: TerminalMode;
  /** Whether the other end is a TTY (always for exec; the container's setting for attach). */
  tty: boolean;
  /** Attach only: whether the container's stdin is open (else input goes nowhere). */
  stdin: boolean;
  /** Exec only: the exec instance's id. */
  execId?: string;
}

/** Output, decoded as UTF-8 (a character split between reads is never broken). */
export interface TerminalData {
  kind: 'data';
  data: string;
}

/** The session is over; the stream ends after this. */
export interface TerminalExit {
  kind: 'exit';
  /**
   * 'exited': the process ended (exitCode when known); 'detached': the attach ended but the container
   * runs on (detach keys); 'closed': the engine closed the connection for another reason.
   */
  reason: 'exited' | 'detached' | 'closed';
  exitCode?: number;
}

export type TerminalEvent = TerminalReady | TerminalData | TerminalExit;

/** How many unacknowledged characters the server sends before it pauses the session's output. */
export const TERMINAL_WINDOW_CHARS = 2 * 1024 * 1024;

const sessionId = clientStreamId;
const size = { cols: z.number().int().min(1).max(2000), rows: z.number().int().min(1).max(1000) };

export const terminalMethods = {
  /** Types into the session. `binary`: each char is one byte (xterm's onBinary), else UTF-8 text. */
  'terminal.input': method<void>()(
    z
      .object({
        sessionId,
        data: z.string().max(1024 * 1024),
        binary: z.boolean().optional(),
      })
      .strict(),
  ),
  /** The terminal's new size (exec resize or container resize). */
  'terminal.resize': method<void>()(z.object({ sessionId, ...size }).strict()),
  /** The client has rendered `chars` more characters of output (sum of `data.length`). */
  'terminal.ack': method<void>()(z.object({ sessionId, chars: z.number().int().min(0).max(1e9) }).strict()),
};

export const terminalTopics = {
  /**
   * Opens a session and streams its output until it ends. The client picks `sessionId` and uses it
   * with `terminal.input`, `terminal.resize` and `terminal.ack`; unsubscribing closes the session.
   */
  terminal: topic<TerminalEvent>()(
    z
      .object({
        sessionId,
        containerId: containerRef,
        mode: z.enum(['exec', 'attach']).default('exec'),
        /** exec: the command, e.g. ['/bin/sh'] or ['bash', '-l']. */
        command: z.array(z.string().min(1).max(4096)).min(1).max(64).default(['/bin/sh']),
        /** exec: user[:group] to run as. */
        user: z.string().trim().max(256).optional(),
        /** exec: extra environment, KEY=VALUE. TERM=xterm-256color is set unless given. */
        env: z
          .array(
            z
              .string()
              .max(8192)
              .regex(/^[^=\s][^=]*=/s, 'KEY=VALUE'),
          )
          .max(128)
          .optional(),
        workingDir: z.string().max(4096).optional(),
        /** The terminal's size when the session starts. */
        cols: size.cols.default(80),
        rows: size.rows.default(24),
      })
      .strict(),
  ),
};
