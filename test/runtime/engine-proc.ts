/**
 * Stands in for an engine process in the kill -9 test: creates and starts one container, prints
 * `ready <pid>`, then idles until it is killed.
 */
import { OciRuntime } from '../../engine/runtime/oci-runtime.js';

const [stateRoot, bundle, id, logPath] = process.argv.slice(2) as [string, string, string, string];
const rt = new OciRuntime({ ...(await OciRuntime.detect()), stateRoot, cgroupManager: 'cgroupfs' });
const { pid } = await rt.create(id, bundle, { terminal: false, openStdin: false, stdinOnce: false, logPath });
await rt.start(id);
process.stdout.write(`ready ${pid}\n`);
setInterval(() => undefined, 1 << 30);
