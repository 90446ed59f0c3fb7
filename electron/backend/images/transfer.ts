// Pull and push as streams of transfer events. Credentials come from the caller or from the saved
// login for the reference's registry and travel as X-Registry-Auth; aborting the signal (the client
// unsubscribed) destroys the HTTP request, which makes the engine cancel the transfer.
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import type { TransferEvent } from '../../contract/images.js';
import { HandlerError } from '../errors.js';
import { authConfig, getCredentials, type Credentials } from './credentials.js';
import { jsonLines, TransferTracker } from './progress.js';
import { parseRef } from './reference.js';

export interface TransferOptions {
  ref: string;
  platform?: string;
  auth?: { username: string; password: string };
}

/** Statuses the engine answers before streaming; anything else is an error too. */
const STATUS_CODES = {
  200: true,
  400: 'bad parameter',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  500: 'server error',
} as const;

/** dockerode words stream errors as "(HTTP code 404) not found - <engine message>"; keep the message. */
export function streamError(err: unknown): unknown {
  const e = err as { statusCode?: number; message?: string };
  if (typeof e?.statusCode !== 'number') return err;
  const m = /^\(HTTP code \d+\) [^-]*- ([\s\S]*?)\s*$/.exec(e.message ?? '');
  const message = m?.[1] || e.message || `engine error ${e.statusCode}`;
  return new HandlerError(message, e.statusCode);
}

async function credentialsFor(opts: TransferOptions): Promise<{ registry: string; creds?: Credentials }> {
  const { registry } = parseRef(opts.ref);
  if (opts.auth) return { registry, creds: { username: opts.auth.username, password: opts.auth.password } };
  return { registry, creds: await getCredentials(registry) };
}

function open(
  docker: Docker,
  path: string,
  query: Record<string, string>,
  auth: Record<string, string> | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `${path}?`,
        method: 'POST',
        // `_query` keeps dockerode from also sending the parameters as a JSON body.
        options: { _query: query, _body: {} },
        // Without credentials docker sends an empty auth object; some engines insist on the header.
        authconfig: auth ?? {},
        abortSignal: signal,
        isStream: true,
        statusCodes: STATUS_CODES,
      },
      (err, res) => (err ? reject(streamError(err)) : resolve(res as IncomingMessage)),
    );
  });
}

/** Reads a progress stream to its end, feeding the tracker; returns false when it was aborted. */
async function follow(res: IncomingMessage, tracker: TransferTracker, signal: AbortSignal): Promise<boolean> {
  const destroy = () => res.destroy();
  signal.addEventListener('abort', destroy, { once: true });
  try {
    for await (const msg of jsonLines(res)) tracker.handle(msg);
    tracker.flush();
    return !signal.aborted;
  } catch (err) {
    if (signal.aborted) return false;
    throw err;
  } finally {
    signal.removeEventListener('abort', destroy);
  }
}

/** `docker pull`; resolves true when it finished, false when it was cancelled. */
export async function pull(
  docker: Docker,
  opts: TransferOptions,
  emit: (e: TransferEvent) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const ref = parseRef(opts.ref);
  const { registry, creds } = await credentialsFor(opts);
  const query: Record<string, string> = { fromImage: ref.name, tag: ref.digest ?? ref.tag ?? 'latest' };
  if (opts.platform) query.platform = opts.platform;
  let res: IncomingMessage;
  try {
    res = await open(docker, '/images/create', query, creds && authConfig(registry, creds), signal);
  } catch (err) {
    if (signal.aborted) return false;
    throw err;
  }
  const tracker = new TransferTracker(emit);
  if (!(await follow(res, tracker, signal))) return false;
  const full = ref.digest ? `${ref.name}@${ref.digest}` : `${ref.name}:${ref.tag ?? 'latest'}`;
  emit({
    kind: 'done',
    ref: full,
    digest: tracker.digest,
    upToDate: tracker.upToDate,
    overall: tracker.overall(),
  });
  return true;
}

/** `docker push`; resolves true when it finished, false when it was cancelled. */
export async function push(
  docker: Docker,
  opts: TransferOptions,
  emit: (e: TransferEvent) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const ref = parseRef(opts.ref);
  if (ref.digest)
    throw new HandlerError('cannot push a digest reference; push a tag', 400, 'invalid-argument');
  const { registry, creds } = await credentialsFor(opts);
  const query: Record<string, string> = ref.tag ? { tag: ref.tag } : {};
  let res: IncomingMessage;
  try {
    res = await open(docker, `/images/${ref.name}/push`, query, creds && authConfig(registry, creds), signal);
  } catch (err) {
    if (signal.aborted) return false;
    throw err;
  }
  const tracker = new TransferTracker(emit);
  if (!(await follow(res, tracker, signal))) return false;
  const full = ref.tag ? `${ref.name}:${ref.tag}` : ref.name;
  emit({ kind: 'done', ref: full, digest: tracker.digest, upToDate: false, overall: tracker.overall() });
  return true;
}
