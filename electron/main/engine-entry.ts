// The embedded engine's process (an Electron utilityProcess; a plain Node child in tests): runs
// `berth engine` exactly as the command does, with the arguments the host passed in the environment.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../backend/paths.js';

const ARGV_ENV = 'BERTH_ENGINE_ARGV';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const root = projectRoot();
const argv = JSON.parse(process.env[ARGV_ENV] ?? '["engine"]') as string[];
delete process.env[ARGV_ENV];

// The engine re-runs its own command in places (the rootless user namespace, the pull helper). Here
// that command is Electron, so make it behave as Node running the `berth` script.
process.env.ELECTRON_RUN_AS_NODE = '1';
process.argv[1] = join(root, 'bin', 'berth.js');

// "stop" from the host: the same clean shutdown as SIGTERM (containers stay with conmon).
const stop = (msg: unknown) => {
  if ((msg as { type?: string } | null)?.type === 'stop') process.kill(process.pid, 'SIGTERM');
};
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (parentPort) parentPort.on('message', (e) => stop(e.data));
else process.on('message', stop);

// Loaded by path: the app may start the engine but does not link against its internals.
const { main } = (await import(pathToFileURL(join(root, 'dist', 'engine', 'cli', 'main.js')).href)) as {
  main(argv: string[]): Promise<void>;
};
await main(argv);
