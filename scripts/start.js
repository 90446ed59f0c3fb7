// `npm start`: builds what is missing or stale, then opens the desktop app on the embedded engine.
// Where no Electron binary is installed (ELECTRON_SKIP_BINARY_DOWNLOAD, an offline machine), it says
// so and points to the same UI in a browser: `npx berth serve`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

let electronPath;
try {
  electronPath = require('electron');
} catch {
  electronPath = undefined;
}
if (typeof electronPath !== 'string' || !existsSync(electronPath)) {
  console.error(
    'Berth: no Electron binary is installed here (node_modules/electron/dist is missing), so the desktop\n' +
      'window cannot open. Get it with `npm rebuild electron` where it can be downloaded, or use the same\n' +
      'app in your browser instead:\n\n' +
      '    npx berth serve          # starts the engine and prints http://127.0.0.1:7681/?token=…\n\n' +
      'or run only the engine:   npx berth engine',
  );
  process.exit(1);
}

/** Newest modification time of the files under `dir` (ms), skipping tests. */
function newest(dir) {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(path));
    else if (!/\.test\.tsx?$/.test(entry.name)) max = Math.max(max, statSync(path).mtimeMs);
  }
  return max;
}

const outputs = [
  'dist/engine/cli/main.js',
  'dist/electron/main/index.js',
  'dist/electron/preload/index.cjs',
  'dist/renderer/index.html',
].map((f) => join(root, f));
const built = outputs.every((f) => existsSync(f));
const stale =
  built &&
  Math.max(...['engine', 'electron', 'renderer/src'].map((d) => newest(join(root, d)))) >
    Math.min(...outputs.map((f) => statSync(f).mtimeMs));
if (!built || stale) {
  console.error(`Berth: ${built ? 'sources changed' : 'not built yet'}; running npm run build…`);
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Chromium will not start as root with its OS sandbox on; the page itself stays sandboxed (no Node,
// context isolation) either way.
const args = process.getuid?.() === 0 ? ['--no-sandbox', root] : [root];
const child = spawn(electronPath, args, { stdio: 'inherit', cwd: root });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
