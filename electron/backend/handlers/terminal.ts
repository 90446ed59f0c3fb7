// Handlers for the terminal part of the contract: exec and attach sessions in containers.
import type { terminalMethods, terminalTopics } from '../../contract/terminal.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import type { BackendContext } from '../context.js';
import { HandlerError } from '../errors.js';
import { clientStreams } from '../logs/client-streams.js';
import { openSession, TerminalSession } from '../terminal/session.js';

/** Open sessions per client (terminal tabs across windows). */
const MAX_SESSIONS = 32;

const sessions = (ctx: BackendContext) =>
  clientStreams<TerminalSession>(ctx, 'terminal', 'terminal session', MAX_SESSIONS);

export const terminalMethodHandlers: MethodHandlers<typeof terminalMethods> = {
  async 'terminal.input'(args, ctx) {
    sessions(ctx).require(args.sessionId).input(args.data, args.binary);
  },
  async 'terminal.resize'(args, ctx) {
    await sessions(ctx).require(args.sessionId).resize(args.cols, args.rows);
  },
  async 'terminal.ack'(args, ctx) {
    sessions(ctx).get(args.sessionId)?.ack(args.chars);
  },
};

export const terminalTopicHandlers: TopicHandlers<typeof terminalTopics> = {
  async terminal(args, ctx, emit, signal) {
    const registry = sessions(ctx);
    // Refuse a duplicate id before touching the engine.
    if (registry.get(args.sessionId))
      throw new HandlerError(`terminal session ${args.sessionId} is already open`, 409);
    const docker = await ctx.docker();
    const engine = await openSession(docker, args.containerId, args);
    const session = new TerminalSession(
      engine.socket,
      engine.tty,
      engine.resize,
      emit,
      args.mode === 'exec' ? '\x03\x04' : undefined,
    );
    try {
      registry.add(args.sessionId, session);
    } catch (err) {
      session.dispose();
      throw err;
    }
    const onAbort = () => session.dispose();
    signal.addEventListener('abort', onAbort);
    try {
      if (signal.aborted) return;
      emit({
        kind: 'ready',
        mode: args.mode,
        tty: engine.tty,
        stdin: engine.stdin,
        ...(engine.execId ? { execId: engine.execId } : {}),
      });
      await session.closed;
      if (signal.aborted) return;
      emit({ kind: 'exit', ...(await engine.outcome()) });
    } finally {
      signal.removeEventListener('abort', onAbort);
      registry.remove(args.sessionId, session);
      session.dispose();
    }
  },
};
