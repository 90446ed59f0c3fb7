/**
 * Starting conmon and talking to it over its pipes.
 *
 * conmon (2.1.x, `--api-version 1`) reports through the fd named by `_OCI_SYNCPIPE` one JSON object
 * per line: `{"data": PID}` once the runtime created the process, or `{"data": -1, "message": "<the
 * runtime's stderr>"}` when it failed; for `--exec` a second object `{"data": EXIT_CODE}` follows when the
 * process ends. `_OCI_STARTPIPE` makes conmon wait for one write before it forks the runtime (and, with
 * `--exec-attach`, a second one before it runs `runtime exec`); `_OCI_ATTACHPIPE` gets `{"data": 0}`
 * when the exec session's attach socket is listening.
 *
 * conmon runs with `--sync` (it forks only once, so the conmon we spawn is the supervisor itself): the
 * engine stays its parent and reaps it — no zombie while the engine lives — yet it is detached in its
 * own session with no tie to the engine's stdio, so it outlives an engine that is killed.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { launch } from './helper.js';

export interface SyncMessage {
  data: number;
  message?: string;
}

/** Reads conmon's newline-delimited JSON messages from a pipe. */
export class SyncPipe {
  private buf = '';
  private readonly queue: SyncMessage[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(private readonly stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!line) continue;
        try {
          this.queue.push(JSON.parse(line) as SyncMessage);
        } catch {
          this.queue.push({ data: -1, message: `conmon sent an unreadable message: ${line}` });
        }
      }
      this.waiter?.();
    });
    const end = (): void => {
      this.ended = true;
      this.waiter?.();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  /** The next message, or undefined once the pipe closed without one. */
  async next(): Promise<SyncMessage | undefined> {
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  close(): void {
    this.stream.destroy();
  }
}

/** conmon as the engine sees it: a ChildProcess, or one the perl helper started (helper.ts). */
export interface ConmonChild {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  once(event: 'exit', listener: () => void): unknown;
  off(event: 'exit', listener: () => void): unknown;
  unref(): void;
}

export interface ConmonProcess {
  child: ConmonChild;
  sync: SyncPipe;
  /** Present when started with `startPipe`. */
  start?: Writable;
  /** Present when started with `attachPipe`. */
  attach?: SyncPipe;
  /** conmon's own stderr (its errors before it detaches its stdio), collected as it comes. */
  stderr(): string;
  /** Drops the engine's hold on the process and its pipes (it keeps running). */
  release(): void;
}

/** conmon's environment: ours with its sync pipe on fd 3, never the engine's notify socket or listen fds. */
function conmonEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', ...extra };
  delete env.NOTIFY_SOCKET;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  return env;
}

/**
 * Spawns conmon with the given arguments, in `cwd` (conmon drops an `oom` marker in its working
 * directory), with the sync pipe on fd 3 and optionally a start pipe and an attach pipe after it.
 */
export function spawnConmon(
  conmonPath: string,
  args: string[],
  opts: { cwd: string; startPipe?: boolean; attachPipe?: boolean },
): ConmonProcess {
  let next = 4;
  const startFd = opts.startPipe ? next++ : -1;
  const attachFd = opts.attachPipe ? next++ : -1;
  const env = conmonEnv({
    ...(startFd > 0 ? { _OCI_STARTPIPE: String(startFd) } : {}),
    ...(attachFd > 0 ? { _OCI_ATTACHPIPE: String(attachFd) } : {}),
  });

  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', 'pipe'];
  for (let i = 4; i < next; i++) stdio.push('pipe');
  const child = spawn(conmonPath, ['--sync', ...args], { cwd: opts.cwd, env, stdio, detached: true });
  let err = '';
  const stderr = child.stdio[2] as Readable;
  stderr.setEncoding('utf8');
  stderr.on('data', (c: string) => {
    if (err.length < 64 * 1024) err += c;
  });
  stderr.on('error', () => undefined);
  child.on('error', () => undefined); // surfaced through the sync pipe closing and stderr()

  const sync = new SyncPipe(child.stdio[3] as Readable);
  const start = startFd > 0 ? (child.stdio[startFd] as Writable) : undefined;
  start?.on('error', () => undefined);
  const attach = attachFd > 0 ? new SyncPipe(child.stdio[attachFd] as Readable) : undefined;

  return {
    child,
    sync,
    start,
    attach,
    stderr: () => err,
    release() {
      sync.close();
      attach?.close();
      start?.destroy();
      stderr.destroy();
      child.unref();
    },
  };
}

/**
 * The same as spawnConmon (without start or attach pipes), but started by the perl helper, which
 * spares the engine's event loop node's blocking fork + exec. Rejects when the helper cannot start
 * it; callers then use spawnConmon.
 */
export async function launchConmon(
  conmonPath: string,
  args: string[],
  opts: { cwd: string },
): Promise<ConmonProcess> {
  const child = await launch([conmonPath, '--sync', ...args], {
    cwd: opts.cwd,
    env: conmonEnv({}),
    detached: true,
    fd3: true,
    awaited: true,
  });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => {
    if (err.length < 64 * 1024) err += c;
  });
  const sync = new SyncPipe(child.fd3);
  return {
    child,
    sync,
    stderr: () => err,
    release() {
      sync.close();
      child.stdout.resume();
      child.stderr.resume();
      child.unref();
    },
  };
}

/** Writes the go-ahead byte on a start pipe. */
export function signalStart(start: Writable | undefined): Promise<void> {
  if (!start) return Promise.resolve();
  return new Promise((resolve, reject) => start.write('s', (e) => (e ? reject(e) : resolve())));
}

/**
 * The human part of an OCI runtime's error output: runc logs `time=… level=error msg="…"` (logfmt),
 * crun prints the message plainly. Returns the last error message found, trimmed.
 */
export function runtimeErrorMessage(raw: string): string {
  const msgs: string[] = [];
  for (const line of raw.split('\n')) {
    const m = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) {
      try {
        msgs.push(JSON.parse(`"${m[1]}"`) as string);
      } catch {
        msgs.push(m[1]!);
      }
      continue;
    }
    const t = line.trim();
    if (t) msgs.push(t.replace(/^(crun|runc): /, ''));
  }
  return dockerWording(msgs.length ? msgs[msgs.length - 1]! : raw.trim());
}

/**
 * crun words start failures differently from runc; the docker CLI picks its exit code (127/126) by
 * matching runc's lowercase wording, so speak it.
 */
export function dockerWording(message: string): string {
  return message
    .replace(
      /executable file `([^`]*)` not found in \$PATH(?:: No such file or directory)?/,
      (_m, file: string) =>
        file.includes('/')
          ? `exec: "${file}": stat ${file}: no such file or directory`
          : `exec: "${file}": executable file not found in $PATH`,
    )
    .replace(/: Permission denied/g, ': permission denied')
    .replace(/: No such file or directory/g, ': no such file or directory');
}

/**
 * The exit code docker gives a container whose process could not be started: 127 when the
 * executable was not found, 126 when it could not be run, else 128 (dockerd's fallback).
 */
export function startFailureExitCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|exec format error|not a directory|is a directory/i.test(message)) return 126;
  return 128;
}
