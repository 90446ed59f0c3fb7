/**
 * `docker export | docker import`, `docker diff` and `docker cp` both ways (running and stopped
 * containers, `dir/.`, symlinks that must stay inside the container, errors) with the real CLI.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, setup, type Setup } from './helpers.js';

let s: Setup;
let dir: string;

beforeAll(async () => {
  s = await setup();
  dir = mkdtempSync(join(tmpdir(), 'berth-cp-'));
}, 120_000);

afterAll(async () => {
  const ids = (await s?.eng.docker(['ps', '-aq']))?.stdout.split('\n').filter(Boolean) ?? [];
  if (ids.length) await s.eng.docker(['rm', '-f', ...ids]);
  await s?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docker export', () => {
  it('round-trips through docker import and runs', async () => {
    await ok(s.eng, [
      'run',
      '--name',
      'exp',
      s.img,
      'sh',
      '-c',
      'mkdir -p /data && echo hello > /data/f && ln /data/f /data/hard && ln -s f /data/soft && chmod 640 /data/f && chown 1:1 /data/f',
    ]);
    const tarPath = join(dir, 'exp.tar');
    const res = await s.eng.docker(['export', '-o', tarPath, 'exp']);
    expect(res.code, res.stderr).toBe(0);
    const listing = execFileSync('tar', ['-tvf', tarPath], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw-r----- 1\/1 .* data\/f$/m);
    expect(listing).toMatch(/data\/hard link to data\/f/);
    expect(listing).toMatch(/data\/soft -> f/);
    expect(listing).toMatch(/ bin\/busybox$/m);
    const imported = await ok(s.eng, ['import', tarPath, 'exported:1'], { timeoutMs: 60_000 });
    expect(imported.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = await ok(s.eng, [
      'run',
      '--rm',
      'exported:1',
      'sh',
      '-c',
      'cat /data/soft; stat -c %a:%u:%g:%h /data/f',
    ]);
    expect(out.stdout).toBe('hello\n640:1:1:2\n');
  });
});

describe('docker diff', () => {
  it('shows added, changed and deleted paths', async () => {
    await ok(s.eng, [
      'run',
      '--name',
      'dif',
      s.img,
      'sh',
      '-c',
      'echo x > /tmp/new && rm /etc/group && echo y >> /etc/passwd && mkdir /opt',
    ]);
    const res = await ok(s.eng, ['diff', 'dif']);
    const lines = res.stdout.trim().split('\n').sort();
    expect(lines).toEqual(
      ['A /opt', 'A /tmp/new', 'C /etc', 'C /etc/passwd', 'C /tmp', 'D /etc/group'].sort(),
    );
  });
});

describe('docker cp', () => {
  it('copies a file and a directory out of a running container', async () => {
    await ok(s.eng, [
      'run',
      '-d',
      '--name',
      'cpr',
      s.img,
      'sh',
      '-c',
      'mkdir -p /d/sub && echo one > /d/a && echo two > /d/sub/b && ln -s /etc /d/etclink && sleep 1000',
    ]);
    // wait for the setup to have run
    for (let i = 0; i < 50; i++) {
      if ((await s.eng.docker(['exec', 'cpr', 'test', '-L', '/d/etclink'])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await ok(s.eng, ['cp', 'cpr:/d/a', join(dir, 'a.txt')]);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    await ok(s.eng, ['cp', 'cpr:/d', join(dir, 'dcopy')]);
    expect(readFileSync(join(dir, 'dcopy/sub/b'), 'utf8')).toBe('two\n');
    expect(readlinkSync(join(dir, 'dcopy/etclink'))).toBe('/etc');
    // `dir/.` copies the contents into an existing directory
    mkdirSync(join(dir, 'contents'));
    await ok(s.eng, ['cp', 'cpr:/d/.', join(dir, 'contents')]);
    expect(readFileSync(join(dir, 'contents/a'), 'utf8')).toBe('one\n');
    expect(existsSync(join(dir, 'contents/d'))).toBe(false);
  });

  it('follows a symlink inside the container root, never the host', async () => {
    // /d/etclink -> /etc must give the container's /etc/passwd, not the host's.
    await ok(s.eng, ['cp', 'cpr:/d/etclink/passwd', join(dir, 'passwd')]);
    expect(readFileSync(join(dir, 'passwd'), 'utf8')).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh\ndaemon/);
    // A link with enough `..` to climb out still lands inside the container.
    await ok(s.eng, ['exec', 'cpr', 'ln', '-s', '../../../../../../etc', '/d/up']);
    await ok(s.eng, ['cp', 'cpr:/d/up/group', join(dir, 'group')]);
    expect(readFileSync(join(dir, 'group'), 'utf8')).toBe('root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n');
    // Copying into the link writes into the container's /etc.
    writeFileSync(join(dir, 'planted'), 'inside\n');
    await ok(s.eng, ['cp', join(dir, 'planted'), 'cpr:/d/etclink/']);
    expect((await ok(s.eng, ['exec', 'cpr', 'cat', '/etc/planted'])).stdout).toBe('inside\n');
    expect(existsSync('/etc/planted')).toBe(false);
  });

  it('copies files and directories into running and stopped containers', async () => {
    mkdirSync(join(dir, 'src/inner'), { recursive: true });
    writeFileSync(join(dir, 'src/inner/x'), 'ex\n');
    await ok(s.eng, ['cp', join(dir, 'src'), 'cpr:/tmp/']);
    expect((await ok(s.eng, ['exec', 'cpr', 'cat', '/tmp/src/inner/x'])).stdout).toBe('ex\n');
    expect((await ok(s.eng, ['exec', 'cpr', 'stat', '-c', '%u:%g', '/tmp/src/inner/x'])).stdout).toBe(
      '0:0\n',
    );

    await ok(s.eng, ['create', '--name', 'cps', s.img, 'cat', '/new/x', '/copied.txt']);
    await ok(s.eng, ['cp', join(dir, 'src/inner'), 'cps:/new']);
    await ok(s.eng, ['cp', join(dir, 'a.txt'), 'cps:/copied.txt']);
    const run = await ok(s.eng, ['start', '-a', 'cps']);
    expect(run.stdout).toBe('ex\none\n');
    // and out of the stopped container again
    await ok(s.eng, ['cp', 'cps:/new/x', join(dir, 'back')]);
    expect(readFileSync(join(dir, 'back'), 'utf8')).toBe('ex\n');
    expect(lstatSync(join(dir, 'back')).isFile()).toBe(true);
  });

  it('writes into volumes (running or stopped) and refuses a read-only rootfs', async () => {
    await ok(s.eng, ['create', '--name', 'vol', '-v', 'cpvol:/data', s.img, 'cat', '/data/a.txt']);
    await ok(s.eng, ['cp', join(dir, 'a.txt'), 'vol:/data/']);
    expect((await ok(s.eng, ['start', '-a', 'vol'])).stdout).toBe('one\n');
    await ok(s.eng, [
      'run',
      '-d',
      '--name',
      'ro',
      '--read-only',
      '-v',
      'rovol:/w',
      '--tmpfs',
      '/scratch',
      s.img,
      'sleep',
      '1000',
    ]);
    const err = await fails(s.eng, ['cp', join(dir, 'a.txt'), 'ro:/tmp/']);
    expect(err).toContain('container rootfs is marked read-only');
    await ok(s.eng, ['cp', join(dir, 'a.txt'), 'ro:/w/']);
    expect((await ok(s.eng, ['exec', 'ro', 'cat', '/w/a.txt'])).stdout).toBe('one\n');
    await ok(s.eng, ['cp', join(dir, 'a.txt'), 'ro:/scratch/']);
    expect((await ok(s.eng, ['exec', 'ro', 'cat', '/scratch/a.txt'])).stdout).toBe('one\n');
  });

  it('reports a missing path as dockerd does', async () => {
    const err = await fails(s.eng, ['cp', 'cpr:/nonexistent', join(dir, 'nothing')]);
    expect(err).toContain('Could not find the file /nonexistent in container cpr');
    const head = await s.eng.request('HEAD', '/containers/cpr/archive?path=/nope');
    expect(head.status).toBe(404);
  });

  it('survives a client that hangs up in the middle of an archive', async () => {
    const { request } = await import('node:http');
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: s.eng.socket, path: '/containers/cpr/archive?path=/' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 500));
    expect((await s.eng.request('GET', '/_ping')).status).toBe(200);
  });

  it('sends the path stat header', async () => {
    const res = await s.eng.request('HEAD', '/containers/cpr/archive?path=/d/etclink');
    expect(res.status).toBe(200);
    const stat = JSON.parse(
      Buffer.from(String(res.headers['x-docker-container-path-stat']), 'base64').toString(),
    );
    expect(stat).toMatchObject({ name: 'etclink', linkTarget: '/etc' });
    expect(stat.mode).toBe(2 ** 27 + 0o777);
    expect(stat.mtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });
});
