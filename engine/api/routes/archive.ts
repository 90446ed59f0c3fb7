import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { boolParam, errorMessage, type RequestContext } from '../http.js';
import { ProgressWriter } from '../../images/progress.js';
import { planSave, writeSave } from '../../images/archive/save.js';
import { loadImages } from '../../images/archive/load.js';

/** Aborts when the client goes away before the response is complete. */
function clientSignal(ctx: RequestContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.on('close', () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

async function save(ctx: RequestContext, engine: Engine, names: string[]): Promise<void> {
  // Resolve everything first: an unknown name is a 404 before any byte of the tar.
  const plan = await planSave(engine, names);
  ctx.req.resume();
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await writeSave(engine, plan, ctx.res, clientSignal(ctx));
}

/** `docker save` and `docker load`. */
export function archiveRoutes(router: Router, engine: Engine): void {
  router.get('/images/get', (ctx) => save(ctx, engine, ctx.query.getAll('names')));

  router.get('/images/(.+)/get', (ctx) => save(ctx, engine, [ctx.params[0]!]));

  router.post('/images/load', async (ctx) => {
    const quiet = boolParam(ctx.query, 'quiet');
    const progress = new ProgressWriter(ctx.res, () =>
      ctx.res.writeHead(200, { 'Content-Type': 'application/json' }),
    );
    try {
      await loadImages(engine, ctx.req, progress, { quiet, signal: clientSignal(ctx) });
    } catch (err) {
      // Before any output the error is an HTTP error; after it, it goes into the stream.
      if (!progress.started) {
        ctx.req.resume();
        throw err;
      }
      progress.error(errorMessage(err));
    }
    ctx.res.end();
  });
}
