#!/usr/bin/env node
// The `berth` command. The TypeScript sources are compiled to dist/ by `npm ci` (the prepare script).
// `serve` belongs to the app side (the web UI and its bridge); everything else to the engine's CLI.
const [command, ...rest] = process.argv.slice(2);

const run =
  command === 'serve'
    ? import('../dist/electron/web/serve-cli.js').then(({ serve }) => serve(rest))
    : import('../dist/engine/cli/main.js').then(({ main }) => main(process.argv.slice(2)));

run.catch((err) => {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
