// Streams one container's log to a client: GET /containers/{id}/logs read as a stream (dockerode
// buffers the whole log when not following, which a 100 MB log cannot afford), demultiplexed when
// the container has no TTY, cut into lines, batched, and paused while the client is behind.
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import type { LogsEvent } from '../../contract/logs.js';
import { LOGS_WINDOW_CHARS } from '../../contract/logs.js';
import { LineBatcher } from './batcher.js';
import type { ClientStreams } from './client-streams.js';
import { StdcopyDemuxer } from './demux.js';
import { FlowControl } from './flow.js';
import { compareKeys, LineSplitter, timestampKey, timestampPrefixLength } from './lines.js';

export interface LogStreamOptions {
  streamId: string;
  follow: boolean;
  tail: 'all' | number;
  since?: string;
  until?: string;
  resume?: { timestamp: string; seen: number };
  timestamps: boolean;
  stdout: boolean;
  stderr: boolean;
  stripAnsi: boolean;
}

/** What `logs.ack` reaches. */
export interface OpenLogStream {
  ack(chars: number): void;
  dispose(): void;
}

interface LogQuery {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  timestamps: boolean;
  tail: string;
  since?: string;
  until?: string;
}

/** GET /containers/{id}/logs as a byte stream. */
export function openLogResponse(
  docker: Docker,
  id: string,
  query: LogQuery,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    (
      docker.modem as {
        dial(opts: object, cb: (err: Error | null, res: IncomingMessage) => void): void;
      }
    ).dial(
      {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
        options: { ...query },
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/**
 * Pumps the log of container `id` into `emit` until it ends (or `signal` aborts). `tty` says how the
 * engine frames it when the response does not say (raw for a TTY, multiplexed otherwise).
 */
export async function pumpLogs(p: {
  docker: Docker;
  id: string;
  tty: boolean;
  opts: LogStreamOptions;
  streams: ClientStreams<OpenLogStream>;
  emit: (e: LogsEvent) => void;
  signal: AbortSignal;
}): Promise<void> {
  const { opts, signal } = p;
  let resumeKey = opts.resume ? timestampKey(opts.resume.timestamp) : undefined;
  let seenLeft = opts.resume?.seen ?? 0;
  // Resuming needs each line's time, whether or not the caller wants to see it.
  const wantTimestamps = opts.timestamps || resumeKey !== undefined;
  let since = opts.since;
  if (resumeKey && (since === undefined || Number(since) < resumeKey[0])) since = String(resumeKey[0]);

  const res = await openLogResponse(
    p.docker,
    p.id,
    {
      follow: opts.follow,
      stdout: opts.stdout,
      stderr: opts.stderr,
      timestamps: wantTimestamps,
      tail: String(opts.tail),
      ...(since !== undefined ? { since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
    },
    signal,
  );
  const type = String(res.headers['content-type'] ?? '');
  const raw = type.includes('raw-stream') ? true : type.includes('multiplexed') ? false : p.tty;

  return new Promise<void>((resolve, reject) => {
    let done = false;
    const flow = new FlowControl(
      LOGS_WINDOW_CHARS,
      () => res.pause(),
      () => res.resume(),
    );
    const batcher = new LineBatcher((batch) => {
      p.emit(batch);
      flow.sent(batch.text.length);
    });
    const handle: OpenLogStream = {
      ack: (chars) => flow.ack(chars),
      dispose: () => finish(),
    };
    p.streams.add(opts.streamId, handle);

    // Resuming: lines before the resume point are skipped; a line without a timestamp (the rest of
    // a multi-line TTY entry) goes the way of the line before it.
    let skipping: boolean | undefined;
    const splitter = new LineSplitter(
      (line, stream) => {
        if (wantTimestamps) {
          const n = timestampPrefixLength(line);
          if (resumeKey) {
            if (n) {
              const order = compareKeys(timestampKey(line)!, resumeKey);
              skipping = order < 0 || (order === 0 && seenLeft-- > 0);
              if (order > 0) resumeKey = undefined;
            }
            if (skipping) return;
          }
          if (!opts.timestamps && n) line = line.slice(n);
        }
        batcher.add(line, stream === 'stderr');
      },
      { stripAnsi: opts.stripAnsi },
    );
    const demux = raw ? undefined : new StdcopyDemuxer((stream, payload) => splitter.push(stream, payload));

    function finish(error?: Error) {
      if (done) return;
      done = true;
      p.streams.remove(opts.streamId, handle);
      signal.removeEventListener('abort', onAbort);
      if (error || signal.aborted) batcher.dispose();
      res.destroy();
      if (error && !signal.aborted) reject(error);
      else resolve();
    }
    const onAbort = () => finish();
    signal.addEventListener('abort', onAbort);

    res.on('data', (chunk: Buffer) => {
      if (demux) demux.push(chunk);
      else splitter.push('stdout', chunk);
    });
    res.on('end', () => {
      if (done) return;
      splitter.end();
      batcher.flush();
      finish();
    });
    res.on('error', (err) => finish(err));
    res.on('close', () => {
      // Closed without 'end': the engine went away mid-log.
      if (!done && !res.complete) finish(new Error('the engine closed the log stream'));
    });
    if (signal.aborted) finish();
  });
}
