// Handlers for the logs part of the contract: a container's log as batches of lines.
import type { logsMethods, logsTopics } from '../../contract/logs.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import type { BackendContext } from '../context.js';
import { clientStreams } from '../logs/client-streams.js';
import { pumpLogs, type OpenLogStream } from '../logs/stream.js';

/** Open log streams per client (the Logs tab, a download, a follow in another window…). */
const MAX_STREAMS = 32;

const logStreams = (ctx: BackendContext) =>
  clientStreams<OpenLogStream>(ctx, 'logs', 'log stream', MAX_STREAMS);

export const logsMethodHandlers: MethodHandlers<typeof logsMethods> = {
  async 'logs.ack'(args, ctx) {
    // A late ack for a stream that just ended is harmless.
    logStreams(ctx).get(args.streamId)?.ack(args.chars);
  },
};

export const logsTopicHandlers: TopicHandlers<typeof logsTopics> = {
  async logs(args, ctx, emit, signal) {
    const docker = await ctx.docker();
    const info = await docker.getContainer(args.containerId).inspect();
    const tty = Boolean(info.Config?.Tty);
    emit({
      kind: 'info',
      id: info.Id,
      name: String(info.Name ?? '').replace(/^\//, ''),
      tty,
      running: Boolean(info.State?.Running),
    });
    await pumpLogs({ docker, id: info.Id, tty, opts: args, streams: logStreams(ctx), emit, signal });
  },
};
