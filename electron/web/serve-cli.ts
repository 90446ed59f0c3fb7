// `berth serve`: the engine plus the web UI on 127.0.0.1, printing the URL with its token.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../backend/create.js';
import { ChildProcessEngineHost } from '../backend/engine-host.js';
import { rendererDir } from '../backend/paths.js';
import { readDataRootSetting } from '../backend/settings-store.js';
import { defaultDataRoot, defaultSocketPath } from '../../engine/paths.js';
import { startWebServer } from './server.js';

export const SERVE_USAGE = `Usage: berth serve [options]

Runs the engine and serves the Berth web UI on http://127.0.0.1:PORT, printing the URL with its token.

Options:
  --port N           Port to listen on (default 7681; 0 picks a free one)
  --socket PATH      The engine's API socket (default ${defaultSocketPath()})
  --data-root DIR    The engine's data root (default ${defaultDataRoot()})
  --host URL         Manage another engine instead of starting one (unix:///var/run/docker.sock, ssh://user@host)
  --listen ADDR      Listen on ADDR instead of 127.0.0.1 (exposes the UI to the network: read the warning)
`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      socket: { type: 'string' },
      'data-root': { type: 'string' },
      host: { type: 'string' },
      listen: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  const port = values.port === undefined ? 7681 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, not ${values.port}`);
  const dir = rendererDir();
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`the web UI is not built (${dir} is missing); run npm run build`);
  }

  const engine = values.host
    ? undefined
    : new ChildProcessEngineHost(
        values.socket ?? defaultSocketPath(),
        values['data-root'] ?? defaultDataRoot(),
        undefined,
        {
          // Without --data-root, the location chosen in Settings (if any) wins.
          dataRootOverride: values['data-root'] ? undefined : () => readDataRootSetting(),
        },
      );
  if (engine) {
    engine.on('state', (s: string) => process.stderr.write(`${new Date().toISOString()} engine ${s}\n`));
    await engine.start();
  }
  const backend = await createBackend({ engine, hostUrl: values.host });
  const web = await startWebServer({ backend, rendererDir: dir, port, listen: values.listen });
  if (values.listen && !/^(127\.|::1$|localhost$)/.test(values.listen)) {
    process.stderr.write(
      `WARNING: the Berth UI listens on ${values.listen}. Anyone who can reach it and has the token controls\n` +
        `the engine, which means root on this machine. Use it only on a network you trust.\n`,
    );
  }
  process.stdout.write(`Berth web UI: ${web.url}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await web.close();
      // Containers keep running: the engine's shutdown leaves them to conmon.
      await engine?.stop();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
