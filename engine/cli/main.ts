import { parseArgs } from 'node:util';
import { defaultConfigPath, defaultDataRoot, defaultSocketPath } from '../paths.js';
import { ENGINE_VERSION } from '../api/version.js';
import { CONTEXT_NAME, ensureDockerContext } from './docker-context.js';
import { needsUserNamespace, releaseHolderIfIdle, runInUserNamespace } from './rootless.js';

const USAGE = `Usage: berth <command> [options]

Commands:
  engine    Run the engine headless, serving the Docker Engine API on a UNIX socket
  serve     Run the engine and the web UI on 127.0.0.1 (berth serve --help)
  context   Create or update the "${CONTEXT_NAME}" docker context for a socket (--socket PATH)
  version   Print the version

Options for "engine":
  --socket PATH      API socket (default ${defaultSocketPath()})
  --data-root DIR    Where images and containers are stored (default ${defaultDataRoot()})
  --config FILE      Settings file, daemon.json vocabulary (default ${defaultConfigPath()})

Run as an ordinary user, the engine is rootless: it enters a user namespace over the user's
subordinate IDs (/etc/subuid, /etc/subgid; newuidmap/newgidmap from the "uidmap" package).
`;

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

async function runEngine(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string' },
      'data-root': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  // An ordinary user: run as root of the user's own user namespace (rootless mode).
  if (needsUserNamespace()) {
    process.exitCode = await runInUserNamespace(values['data-root'] ?? defaultDataRoot(), [
      'engine',
      ...argv,
    ]);
    return;
  }
  // Loaded only here: the rootless parent above never needs the engine itself (and stays small).
  const { startEngine } = await import('../index.js');
  const running = await startEngine({
    socket: values.socket,
    dataRoot: values['data-root'],
    configPath: values.config ?? defaultConfigPath(),
    log,
  });
  process.stdout.write(
    `Berth engine ${ENGINE_VERSION}${running.engine.rootless ? ' (rootless)' : ''} serving the Docker API on unix://${running.socket}\n` +
      `Try: docker -H unix://${running.socket} info\n`,
  );
  // On the default socket, keep the `berth` docker context pointing at us (Docker Desktop does the same).
  if (!values.socket) {
    await ensureDockerContext(running.socket).catch((err: unknown) =>
      log(`could not write the docker context: ${String(err)}`),
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`received ${signal}, shutting down`);
    running.close().then(
      () => {
        releaseHolderIfIdle(running.engine);
        process.exit(0);
      },
      (err: unknown) => {
        log(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'engine':
      await runEngine(rest);
      return;
    case 'context': {
      const { values } = parseArgs({ args: rest, options: { socket: { type: 'string' } }, strict: true });
      const socket = values.socket ?? defaultSocketPath();
      await ensureDockerContext(socket);
      process.stdout.write(
        `docker context "${CONTEXT_NAME}" → unix://${socket}\nUse it with: docker context use ${CONTEXT_NAME}\n`,
      );
      return;
    }
    case 'version':
    case '--version':
      process.stdout.write(`berth ${ENGINE_VERSION}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`berth: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}
