// `npm start`: launch the desktop app on the embedded engine. The Electron shell arrives with the
// desktop-app work; until an Electron binary is present, say so and point to the headless engine.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronPath;
try {
  electronPath = require('electron');
} catch {
  electronPath = undefined;
}
if (typeof electronPath !== 'string' || !existsSync(electronPath)) {
  console.error(
    'Berth: no Electron binary is installed here, so the desktop window cannot open.\n' +
      'Run the engine headless instead:  npx berth engine\n' +
      'and point the docker CLI at it:    docker -H unix://$XDG_RUNTIME_DIR/berth/docker.sock ps',
  );
  process.exit(1);
}
const { spawn } = await import('node:child_process');
spawn(electronPath, ['.'], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
