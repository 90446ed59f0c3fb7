// One interactive session: a hijacked exec or attach connection to the engine, wired to a client —
// output decoded, coalesced and flow-controlled; input, resize and acks from the client's methods.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { TerminalEvent, TerminalExit } from '../../contract/terminal.js';
import { TERMINAL_WINDOW_CHARS } from '../../contract/terminal.js';
import { HandlerError } from '../errors.js';
import { StdcopyDemuxer } from '../logs/demux.js';
import { FlowControl } from '../logs/flow.js';
import { OutputCoalescer } from './output.js';

export interface SessionOptions {
  mode: 'exec' | 'attach';
  command: string[];
  user?: string;
  env?: string[];
  workingDir?: string;
  cols: number;
  rows: number;
}

/** What `terminal.input`, `terminal.resize` and `terminal.ack` reach. */
export class TerminalSession {
  private readonly flow: FlowControl;
  private readonly output: OutputCoalescer;
  /** Settles when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;

  private ended = false;

  constructor(
    private readonly socket: Duplex,
    readonly tty: boolean,
    private readonly resizer: (cols: number, rows: number) => Promise<unknown>,
    emit: (e: TerminalEvent) => void,
    /** Sent before the connection closes when the client leaves a live session (see dispose). */
    private readonly hangup?: string,
  ) {
    this.flow = new FlowControl(
      TERMINAL_WINDOW_CHARS,
      () => socket.pause(),
      () => socket.resume(),
    );
    this.output = new OutputCoalescer((data) => {
      emit({ kind: 'data', data });
      this.flow.sent(data.length);
    });
    const demux = tty ? undefined : new StdcopyDemuxer((s, payload) => this.output.push(s, payload));
    socket.on('data', (chunk: Buffer) => {
      if (demux) demux.push(chunk);
      else this.output.push('stdout', chunk);
    });
    this.closed = new Promise<void>((resolve) => {
      // The engine ended its side: the session is over (our side would stay half-open otherwise).
      socket.on('end', () => socket.end());
      socket.on('error', () => socket.destroy());
      socket.on('close', () => {
        this.ended = true;
        this.output.end();
        resolve();
      });
    });
  }

  input(data: string, binary = false): void {
    if (this.socket.destroyed || !this.socket.writable) throw new HandlerError('the session has ended', 409);
    this.socket.write(Buffer.from(data, binary ? 'latin1' : 'utf8'));
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.resizer(cols, rows);
  }

  ack(chars: number): void {
    this.flow.ack(chars);
  }

  /**
   * Closes the session. Detaching leaves an exec's process running (docker never kills it), so when
   * the client leaves a live exec the shell is first told to quit as a closed terminal would be:
   * Ctrl-C for a foreground program, then Ctrl-D (EOF) at the prompt.
   */
  dispose(): void {
    this.output.dispose();
    if (this.ended || this.socket.destroyed) return;
    this.ended = true;
    if (this.hangup && this.socket.writable) {
      this.socket.end(this.hangup);
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else this.socket.destroy();
  }
}

/**
 * Opens the engine side of a session: an exec (always with a TTY) or an attach to the container's
 * own stdio. Returns the hijacked connection and how to learn how the session ended.
 */
export async function openSession(
  docker: Docker,
  containerId: string,
  opts: SessionOptions,
): Promise<{
  socket: Duplex;
  tty: boolean;
  stdin: boolean;
  execId?: string;
  resize(cols: number, rows: number): Promise<unknown>;
  outcome(): Promise<Omit<TerminalExit, 'kind'>>;
}> {
  const container = docker.getContainer(containerId);
  const info = await container.inspect();
  if (!info.State?.Running)
    throw new HandlerError(`container ${info.Name.replace(/^\//, '')} is not running`, 409);
  if (info.State.Paused)
    throw new HandlerError(`container ${info.Name.replace(/^\//, '')} is paused; unpause it first`, 409);

  if (opts.mode === 'exec') {
    const env = opts.env ?? [];
    const exec = await container.exec({
      Cmd: opts.command,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      ...(opts.user ? { User: opts.user } : {}),
      ...(opts.workingDir ? { WorkingDir: opts.workingDir } : {}),
      Env: env.some((e) => e.startsWith('TERM=')) ? env : ['TERM=xterm-256color', ...env],
    });
    const socket = (await exec.start({
      hijack: true,
      stdin: true,
      Tty: true,
      // API 1.42+: the process starts at the right size instead of 80×24 plus a resize.
      ConsoleSize: [opts.rows, opts.cols],
    } as object)) as Duplex;
    const resize = (cols: number, rows: number) => exec.resize({ h: rows, w: cols });
    // Engines that ignore ConsoleSize still get the size.
    void resize(opts.cols, opts.rows).catch(() => undefined);
    return {
      socket,
      tty: true,
      stdin: true,
      execId: exec.id,
      resize,
      async outcome() {
        // dockerd may record the exit code a moment after the stream ends.
        for (let i = 0; i < 10; i++) {
          try {
            const st = await exec.inspect();
            if (!st.Running && st.ExitCode !== null && st.ExitCode !== undefined)
              return { reason: 'exited', exitCode: st.ExitCode };
          } catch {
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        return { reason: 'closed' };
      },
    };
  }

  const tty = Boolean(info.Config?.Tty);
  const stdin = Boolean(info.Config?.OpenStdin);
  const socket = (await container.attach({
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
    hijack: true,
  })) as unknown as Duplex;
  const resize = (cols: number, rows: number) =>
    tty ? container.resize({ h: rows, w: cols }) : Promise.resolve();
  void resize(opts.cols, opts.rows).catch(() => undefined);
  return {
    socket,
    tty,
    stdin,
    resize,
    async outcome() {
      // The attach ends as the container exits; the engine may record the exit a moment later.
      for (let i = 0; i < 10; i++) {
        try {
          const st = await container.inspect();
          if (!st.State?.Running) return { reason: 'exited', exitCode: st.State?.ExitCode };
        } catch {
          return { reason: 'closed' };
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return { reason: 'detached' };
    },
  };
}
