// The logs part of the bridge contract: a container's log streamed as batches of lines, with flow
// control (the client acknowledges what it has taken in, so a 100 MB log never piles up in between).
import { z } from 'zod';
import { method, topic } from './define.js';

/** A container id (full or short) or name. */
export const containerRef = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a container id or name');

/** An id the client picks for a stream or session, unique among its open ones. */
export const clientStreamId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -');

/** docker's `--timestamps` form (RFC3339Nano, UTC): `2024-05-01T12:00:00.123456789Z`. */
export const logTimestamp = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/, 'an RFC 3339 UTC timestamp');

/** What the stream says first: about the container, before any line. */
export interface LogsInfo {
  kind: 'info';
  /** Full container id and name (without the leading slash). */
  id: string;
  name: string;
  tty: boolean;
  running: boolean;
}

/**
 * A batch of whole lines (sent every ~30 ms or 64 KB). `text` is the lines joined by '\n' (no trailing
 * newline), with a trailing '\r' removed from each; `count` is how many lines that is.
 */
export interface LogsLines {
  kind: 'lines';
  text: string;
  count: number;
  /** The stderr lines, as flattened [start, end) index runs within this batch; absent when none. */
  stderr?: number[];
}

export type LogsEvent = LogsInfo | LogsLines;

/** How many unacknowledged characters the server sends before it waits for `logs.ack`. */
export const LOGS_WINDOW_CHARS = 4 * 1024 * 1024;

export const logsMethods = {
  /** The client has taken in `chars` more characters (sum of `text.length`) of stream `streamId`. */
  'logs.ack': method<void>()(
    z.object({ streamId: clientStreamId, chars: z.number().int().min(0).max(1e9) }).strict(),
  ),
};

export const logsTopics = {
  /**
   * A container's log (GET /containers/{id}/logs), demultiplexed into lines marked stdout/stderr.
   * Ends when the log ends: at once without `follow`, else when the container stops.
   */
  logs: topic<LogsEvent>()(
    z
      .object({
        /** Names this stream for `logs.ack`. */
        streamId: clientStreamId,
        containerId: containerRef,
        follow: z.boolean().default(true),
        /** The last N lines only, or all. */
        tail: z.union([z.literal('all'), z.number().int().min(0).max(100_000_000)]).default('all'),
        /** Only lines at or after this time: UNIX seconds with an optional fraction. */
        since: z
          .string()
          .regex(/^\d{1,12}(\.\d{1,9})?$/)
          .optional(),
        /** Only lines at or before this time: UNIX seconds with an optional fraction. */
        until: z
          .string()
          .regex(/^\d{1,12}(\.\d{1,9})?$/)
          .optional(),
        /**
         * Resume a stream without repeating lines: skip lines older than `timestamp` and the first
         * `seen` lines stamped exactly `timestamp` (several lines can share one timestamp).
         */
        resume: z
          .object({ timestamp: logTimestamp, seen: z.number().int().min(0).max(1e9) })
          .strict()
          .optional(),
        /** Prefix each line with its timestamp and a space. */
        timestamps: z.boolean().default(false),
        stdout: z.boolean().default(true),
        stderr: z.boolean().default(true),
        /** Remove ANSI escape sequences (colors, cursor moves) from the text. */
        stripAnsi: z.boolean().default(false),
      })
      .strict(),
  ),
};
