/**
 * `docker run --rm` (AutoRemove): the container, its rootfs mount, its anonymous volumes and every
 * file the runtime kept are gone once the CLI returns (the runtime's own files shortly after), and an
 * engine SIGKILLed while such a container runs, or right after it was removed, cleans it up at start.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCode, dockerOk, setup, sleep, until, type Setup } from './helpers.js';

let s: Setup;
let img: string;

beforeAll(async () => {
  s = await setup();
  img = s.img;
});

afterAll(async () => {
  await s?.stop();
});

const d = (args: string[]) => dockerOk(s.eng, args);

/** Mount points under the engine's data root. */
function mountsUnderDataRoot(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(s.eng.dataRoot + '/'));
}

function entries(...parts: string[]): string[] {
  try {
    return readdirSync(join(s.eng.dataRoot, ...parts));
  } catch {
    return [];
  }
}

/** Nothing of any container left: records, mounts, conmon/runtime state, exit files. */
async function expectNoContainerLeft(): Promise<void> {
  expect((await d(['ps', '-aq'])).stdout.trim()).toBe('');
  expect(mountsUnderDataRoot()).toEqual([]);
  const left = await until(async () => {
    const files = [
      ...entries('containers').filter((e) => /^[0-9a-f]{64}$/.test(e)),
      ...entries('rt', 'ctr'),
      ...entries('rt', 'exits'),
      ...entries('rt', 'runtime').filter((e) => /^[0-9a-f]{64}$/.test(e)),
    ];
    return files.length === 0 ? true : undefined;
  }, 10_000);
  expect(
    left,
    `left behind: ${JSON.stringify([entries('containers'), entries('rt', 'ctr'), entries('rt', 'exits')])}`,
  ).toBe(true);
}

describe('docker run --rm', () => {
  it('removes the container, its mount and its anonymous volume before the CLI returns', async () => {
    const volumesBefore = (await d(['volume', 'ls', '-q'])).stdout.trim();
    for (let i = 0; i < 3; i++) {
      const res = await dockerCode(
        s.eng,
        ['run', '--rm', '-v', '/anon', img, 'sh', '-c', 'echo hi; exit 3'],
        3,
      );
      expect(res.stdout).toBe('hi\n');
      // Visible state is gone at once.
      expect((await d(['ps', '-aq'])).stdout.trim()).toBe('');
      expect(mountsUnderDataRoot()).toEqual([]);
      expect((await d(['volume', 'ls', '-q'])).stdout.trim()).toBe(volumesBefore);
    }
    await expectNoContainerLeft();
  });

  it('reports die then destroy, once each', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const name = 'rm-events';
    await d(['run', '--rm', '--name', name, img, 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = (
      await d(['events', '--since', String(since), '--until', String(until), '--filter', `container=${name}`])
    ).stdout
      .split('\n')
      .map((l) => /container (\w+) /.exec(l)?.[1])
      .filter(Boolean);
    expect(events.filter((e) => e === 'die')).toHaveLength(1);
    expect(events.filter((e) => e === 'destroy')).toHaveLength(1);
    expect(events.indexOf('die')).toBeLessThan(events.indexOf('destroy'));
    // The name is free again at once.
    await d(['run', '--rm', '--name', name, img, 'true']);
  });

  it('docker rm -f of a running --rm container removes it once', async () => {
    const id = (await d(['run', '-d', '--rm', img, 'sleep', '300'])).stdout.trim();
    await d(['rm', '-f', id]);
    await dockerCode(s.eng, ['inspect', id], 1);
    await expectNoContainerLeft();
  });

  it('an engine killed while a --rm container runs removes it once it has exited', async () => {
    const id = (await d(['run', '-d', '--rm', img, 'sh', '-c', 'sleep 2'])).stdout.trim();
    await s.eng.kill('SIGKILL');
    await s.eng.restart();
    // Adopted while running, removed when it exits.
    const gone = await until(async () => (await s.eng.docker(['inspect', id])).code !== 0, 15_000);
    expect(gone).toBe(true);
    await expectNoContainerLeft();
  });

  it('an engine killed while it exited (engine down) removes it at start', async () => {
    const id = (await d(['run', '-d', '--rm', img, 'sh', '-c', 'sleep 1'])).stdout.trim();
    await s.eng.kill('SIGKILL');
    await sleep(2000); // it exits while the engine is down
    await s.eng.restart();
    const gone = await until(async () => (await s.eng.docker(['inspect', id])).code !== 0, 15_000);
    expect(gone).toBe(true);
    await expectNoContainerLeft();
  });

  it('an engine killed right after docker run --rm returned leaves nothing behind after restart', async () => {
    for (let i = 0; i < 3; i++) {
      await d(['run', '--rm', img, 'true']);
      await s.eng.kill('SIGKILL'); // the runtime's cleanup may still be under way
      await s.eng.restart();
      await expectNoContainerLeft();
    }
  });
});
