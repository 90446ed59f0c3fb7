/**
 * Runs the `berth` command from the TypeScript sources (under `node --import tsx`), for tests
 * when dist/ is not built. Same argv and behaviour as bin/berth.js.
 */
import { main } from '../../engine/cli/main.js';

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
