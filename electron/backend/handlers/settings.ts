// Preferences, the embedded engine's settings, and troubleshooting (the hosted engine's log, restart
// and reset).
import { stat } from 'node:fs/promises';
import type { EngineHostState, EngineSettings, EngineStatus } from '../../contract/settings.js';
import type { settingsMethods, settingsTopics } from '../../contract/settings.js';
import type { BackendContext } from '../context.js';
import type { EngineHost } from '../engine-host.js';
import { readEngineConfig, updateEngineConfig } from '../engine-config.js';
import { HandlerError } from '../errors.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';
import { EMBEDDED_ID } from '../connections.js';

async function engineStatus(ctx: BackendContext): Promise<EngineStatus> {
  const e = ctx.engine;
  if (!e) return { hosted: false, current: false };
  const current = await ctx.connections.current().catch(() => undefined);
  return {
    hosted: true,
    current: current?.id === EMBEDDED_ID,
    state: e.state(),
    socket: e.socket,
    dataRoot: e.dataRoot,
    configPath: e.configPath,
    ...(e.startedAt ? { startedAt: e.startedAt } : {}),
  };
}

function hostedEngine(ctx: BackendContext): EngineHost {
  if (!ctx.engine) {
    throw new HandlerError(
      'this app does not host an engine (it manages one started elsewhere)',
      409,
      'invalid-argument',
    );
  }
  return ctx.engine;
}

async function engineSettings(ctx: BackendContext): Promise<EngineSettings> {
  const status = await engineStatus(ctx);
  const e = ctx.engine;
  if (!e) {
    return {
      status,
      registryMirrors: [],
      insecureRegistries: [],
      restartNeeded: false,
      dataRootSettable: false,
    };
  }
  const settable = e.dataRootSettable !== false;
  const cfg = await readEngineConfig(e.configPath);
  const dataRootSetting = settable ? ctx.settings.get().engine.dataRoot : undefined;
  const nextRoot = dataRootSetting ?? e.defaultDataRoot ?? e.dataRoot;
  const configChanged =
    e.state() === 'running' && !!e.startedAt && !!cfg.modifiedAt && cfg.modifiedAt > e.startedAt;
  return {
    status,
    registryMirrors: cfg.registryMirrors,
    insecureRegistries: cfg.insecureRegistries,
    ...(cfg.error ? { configError: cfg.error } : {}),
    dataRoot: e.dataRoot,
    ...(dataRootSetting ? { dataRootSetting } : {}),
    ...(e.defaultDataRoot ? { defaultDataRoot: e.defaultDataRoot } : {}),
    dataRootSettable: settable,
    restartNeeded: configChanged || (e.state() !== 'external' && nextRoot !== e.dataRoot),
  };
}

/** A new data location must be a directory we could create, not a file and not the filesystem root. */
async function checkDataRoot(path: string): Promise<string> {
  const clean = path.replace(/[\\/]+$/, '');
  if (!clean || /^[A-Za-z]:$/.test(clean)) {
    throw new HandlerError('the data location cannot be the root of a filesystem', 400, 'invalid-argument');
  }
  const st = await stat(clean).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new HandlerError(`${clean} exists and is not a directory`, 400, 'invalid-argument');
  }
  return clean;
}

export const settingsMethodHandlers: MethodHandlers<typeof settingsMethods> = {
  async 'settings.get'(_args, ctx) {
    const s = ctx.settings.get();
    return { theme: s.theme, language: s.language };
  },
  async 'settings.update'(args, ctx) {
    const s = await ctx.settings.update((s) => {
      if (args.theme) s.theme = args.theme;
      if (args.language) s.language = args.language;
    });
    return { theme: s.theme, language: s.language };
  },

  async 'settings.engine.get'(_args, ctx) {
    return engineSettings(ctx);
  },
  async 'settings.engine.update'(args, ctx) {
    const e = hostedEngine(ctx);
    if (args.registryMirrors !== undefined || args.insecureRegistries !== undefined) {
      await updateEngineConfig(e.configPath, {
        registryMirrors: args.registryMirrors,
        insecureRegistries: args.insecureRegistries,
      });
    }
    if (args.dataRoot !== undefined) {
      if (e.dataRootSettable === false) {
        throw new HandlerError(
          `the engine's data location was given when it started (--data-root ${e.dataRoot}); change it there`,
          409,
          'invalid-argument',
        );
      }
      const root = args.dataRoot === null ? undefined : await checkDataRoot(args.dataRoot);
      await ctx.settings.update((s) => {
        if (root && root !== e.defaultDataRoot) s.engine.dataRoot = root;
        else delete s.engine.dataRoot;
      });
    }
    return engineSettings(ctx);
  },

  async 'engine.status'(_args, ctx) {
    return engineStatus(ctx);
  },
  async 'engine.log'(args, ctx) {
    const lines = hostedEngine(ctx).log();
    return args.tail ? lines.slice(-args.tail) : lines;
  },
  async 'engine.restart'(_args, ctx) {
    await hostedEngine(ctx).restart();
    await ctx.connections.check(EMBEDDED_ID).catch(() => undefined);
    return engineStatus(ctx);
  },
  async 'engine.reset'(_args, ctx) {
    await hostedEngine(ctx).resetData();
    await ctx.connections.check(EMBEDDED_ID).catch(() => undefined);
    return engineStatus(ctx);
  },
};

export const settingsTopicHandlers: TopicHandlers<typeof settingsTopics> = {
  /** The hosted engine's current state, then its state changes and log lines until the client goes away. */
  async 'engine.watch'(_args, ctx, emit, signal) {
    const e = ctx.engine;
    if (!e || signal.aborted) return;
    const onState = (state: EngineHostState) => emit({ type: 'state', state });
    const onLog = (line: string) => emit({ type: 'log', line });
    e.on('state', onState);
    e.on('log', onLog);
    // The state now, so a client that read the status a moment ago cannot miss a change in between.
    emit({ type: 'state', state: e.state() });
    try {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      e.off('state', onState);
      e.off('log', onLog);
    }
  },
};
