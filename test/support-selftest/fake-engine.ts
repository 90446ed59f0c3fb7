/**
 * A stand-in for `berth engine` used only to test the harness mechanics (socket, docker CLI
 * wiring, kill/restart/stop, logs) independently of the real engine. Serves /_ping and /version.
 */
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { socket: { type: 'string' }, 'data-root': { type: 'string' }, config: { type: 'string' } },
});
const socket = values.socket!;
rmSync(socket, { force: true });
const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').replace(/^\/v\d+\.\d+/, '');
  res.setHeader('Api-Version', '1.41');
  if (path === '/_ping') {
    res.setHeader('Content-Type', 'text/plain');
    res.end(req.method === 'HEAD' ? undefined : 'OK');
  } else if (path === '/version') {
    res.setHeader('Content-Type', 'application/json');
    res.end(
      JSON.stringify({
        Version: 'fake-0.0.1',
        ApiVersion: '1.41',
        MinAPIVersion: '1.24',
        Os: 'linux',
        Arch: 'amd64',
        Components: [{ Name: 'Engine', Version: 'fake-0.0.1' }],
      }),
    );
  } else if (path === '/config') {
    res.setHeader('Content-Type', 'application/json');
    res.end(readFileSync(values.config!));
  } else if (path === '/echo' && req.method === 'POST') {
    res.setHeader('Content-Type', 'application/json');
    req.pipe(res);
  } else {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ message: `page not found: ${path}` }));
  }
});
server.listen(socket, () =>
  process.stdout.write(`fake engine on ${socket} data-root ${values['data-root']}\n`),
);
process.on('SIGTERM', () => {
  process.stderr.write('fake engine: SIGTERM\n');
  server.close(() => process.exit(0));
});
