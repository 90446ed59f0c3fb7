/**
 * Container endpoints over its processes and files: top, stats, export, changes (docker diff) and
 * archive (docker cp: HEAD stat, GET, PUT).
 */
import type { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { boolParam, sendEmpty, sendJSON, type RequestContext } from '../http.js';
import { InvalidArgumentError } from '../../errors.js';
import { containerTop } from '../../containers/top.js';
import { sampleStats, sleep, streamStats, withPrevious, type StatsJSON } from '../../containers/stats.js';
import { exportContainer } from '../../containers/export.js';
import { containerChanges } from '../../containers/changes.js';
import { rootfsPaths } from '../../containers/rootfs.js';
import { imageLowerDirs } from '../../containers/rootfs-access.js';
import { archivePath, encodeStat, extractToDir, statPath } from '../../containers/archive.js';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** Aborts when the client goes away before the response is complete. */
function clientSignal(ctx: RequestContext): AbortSignal {
  const controller = new AbortController();
  ctx.res.on('close', () => {
    if (!ctx.res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller.signal;
}

/** Mount points the engine and runtime create in the upper dir; `docker diff` does not show them. */
const RUNTIME_PATHS = [
  '/dev',
  '/proc',
  '/sys',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/.dockerenv',
];

export function containerFileRoutes(router: Router, engine: Engine): void {
  const containers = engine.containers;

  router.get('/containers/([^/]+)/top', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    sendJSON(ctx.res, 200, await containerTop(rec, ctx.query.get('ps_args')));
  });

  router.get('/containers/([^/]+)/stats', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const stream = boolParam(ctx.query, 'stream', true);
    const oneShot = boolParam(ctx.query, 'one-shot');
    if (oneShot && stream) throw new InvalidArgumentError('cannot have stream=true and one-shot=true');
    const lookup = () => containers.store.get(rec.id);
    if (!stream) {
      let s: StatsJSON = await sampleStats(rec);
      // Without one-shot dockerd waits for a second sample so precpu_stats is filled.
      if (!oneShot && s.read !== '0001-01-01T00:00:00Z') {
        await sleep(500);
        const cur = lookup();
        if (cur) s = withPrevious(await sampleStats(cur), s);
      }
      sendJSON(ctx.res, 200, s);
      return;
    }
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    const signal = clientSignal(ctx);
    await streamStats(
      lookup,
      (s) => {
        if (ctx.res.destroyed) return false;
        return new Promise<boolean>((resolve) => {
          const ok = ctx.res.write(JSON.stringify(s) + '\n');
          if (ok) resolve(true);
          else ctx.res.once('drain', () => resolve(true)).once('close', () => resolve(false));
        });
      },
      signal,
    );
    ctx.res.end();
  });

  router.get('/containers/([^/]+)/export', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    ctx.req.resume();
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await exportContainer(containers, rec, ctx.res, clientSignal(ctx));
  });

  router.get('/containers/([^/]+)/changes', async (ctx) => {
    const rec = containers.resolve(ctx.params[0]!);
    const upper = rootfsPaths(containers.store.dir(rec.id)).upper;
    const ignore = [...RUNTIME_PATHS, ...rec.mounts.map((m) => m.Destination)];
    const changes = await containerChanges(upper, imageLowerDirs(containers, rec), ignore);
    sendJSON(ctx.res, 200, changes.length ? changes : null);
  });

  const pathParam = (ctx: RequestContext): string => {
    const p = ctx.query.get('path');
    if (!p) throw new InvalidArgumentError('Path cannot be empty');
    return p;
  };

  router.head('/containers/([^/]+)/archive', async (ctx) => {
    const name = ctx.params[0]!;
    const rec = containers.resolve(name);
    const stat = await statPath(containers, rec, pathParam(ctx), name);
    ctx.res.writeHead(200, { [STAT_HEADER]: encodeStat(stat), 'Content-Type': 'application/json' });
    ctx.res.end();
  });

  router.get('/containers/([^/]+)/archive', async (ctx) => {
    const name = ctx.params[0]!;
    const rec = containers.resolve(name);
    await archivePath(
      containers,
      rec,
      pathParam(ctx),
      name,
      (stat) => {
        ctx.res.writeHead(200, { [STAT_HEADER]: encodeStat(stat), 'Content-Type': 'application/x-tar' });
        return ctx.res;
      },
      clientSignal(ctx),
    );
  });

  router.put('/containers/([^/]+)/archive', async (ctx) => {
    const name = ctx.params[0]!;
    const rec = containers.resolve(name);
    try {
      await extractToDir(containers, rec, pathParam(ctx), name, ctx.req, {
        noOverwriteDirNonDir: boolParam(ctx.query, 'noOverwriteDirNonDir'),
        copyUIDGID: boolParam(ctx.query, 'copyUIDGID'),
      });
    } catch (err) {
      ctx.req.resume();
      throw err;
    }
    sendEmpty(ctx.res, 200);
  });
}
