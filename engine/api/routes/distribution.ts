import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { errorMessage, readJSON, registryAuthHeader, sendJSON, type RequestContext } from '../http.js';
import { ProgressWriter } from '../../images/progress.js';
import { pullImage, pullReference } from '../../images/pull.js';
import { pushImage, pushTargets } from '../../images/push.js';
import { importImage } from '../../images/archive/import.js';
import type { AuthConfig } from '../../registry/credentials.js';
import { InvalidArgumentError } from '../../errors.js';

/** A JSON progress stream whose headers go out with its first message, so early failures stay HTTP errors. */
export function progressStream(ctx: RequestContext): ProgressWriter {
  return new ProgressWriter(ctx.res, () => ctx.res.writeHead(200, { 'Content-Type': 'application/json' }));
}

/** Runs a streaming operation: errors before any output are HTTP errors, later ones go into the stream. */
async function streamed(
  ctx: RequestContext,
  run: (progress: ProgressWriter, signal: AbortSignal) => Promise<void>,
) {
  const progress = progressStream(ctx);
  const controller = new AbortController();
  // A client that goes away cancels the operation (docker pull + Ctrl-C).
  ctx.res.on('close', () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  try {
    await run(progress, controller.signal);
  } catch (err) {
    if (!progress.started) throw err;
    progress.error(errorMessage(err));
  }
  ctx.res.end();
}

export function distributionRoutes(router: Router, engine: Engine): void {
  router.post('/images/create', async (ctx) => {
    const { query } = ctx;
    const fromImage = query.get('fromImage');
    const fromSrc = query.get('fromSrc');
    if (fromImage && fromSrc)
      throw new InvalidArgumentError('only one of fromImage and fromSrc can be given');
    if (fromSrc !== null) {
      await streamed(ctx, async (progress) => {
        await importImage(
          engine,
          ctx.req,
          {
            fromSrc,
            repo: query.get('repo') ?? '',
            tag: query.get('tag') ?? '',
            message: query.get('message') ?? '',
            changes: query.getAll('changes'),
            platform: query.get('platform') ?? '',
          },
          progress,
        );
      });
      return;
    }
    if (!fromImage) throw new InvalidArgumentError('fromImage or fromSrc is required');
    const ref = pullReference(fromImage, query.get('tag') ?? undefined);
    const auth = registryAuthHeader(ctx.req) as AuthConfig | undefined;
    const platform = query.get('platform') || undefined;
    ctx.req.resume();
    await streamed(ctx, async (progress, signal) => {
      await pullImage(engine, ref, progress, { auth, platform, signal });
    });
  });

  router.post('/images/(.+)/push', async (ctx) => {
    const auth = registryAuthHeader(ctx.req) as AuthConfig | undefined;
    const targets = pushTargets(engine, ctx.params[0]!, ctx.query.get('tag') || undefined);
    await streamed(ctx, async (progress, signal) => {
      for (const ref of targets) await pushImage(engine, ref, progress, { auth, signal });
    });
  });

  router.post('/auth', async (ctx) => {
    const body = await readJSON<AuthConfig>(ctx.req);
    if (!body || typeof body !== 'object') throw new InvalidArgumentError('invalid auth configuration');
    const result = await engine.registry.login(body);
    sendJSON(ctx.res, 200, { Status: result.status, IdentityToken: result.identityToken ?? '' });
  });
}
