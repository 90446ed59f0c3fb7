import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  logFiles,
  parseK8sLogLine,
  readLogs,
  rotateLog,
  toDockerTimestamp,
  type ReadLogsOptions,
} from './logs.js';

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), 'logs-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const SAMPLE = [
  '2024-05-01T10:00:00.000000001+00:00 stdout F first',
  '2024-05-01T10:00:01.5+02:00 stderr P par',
  '2024-05-01T10:00:02.000000000+00:00 stdout P a',
  '2024-05-01T10:00:02.100000000+00:00 stderr F tial',
  '2024-05-01T10:00:03.000000000+00:00 stdout F b',
  '2024-05-01T10:00:04.000000000+00:00 stdout F ',
  '2024-05-01T10:00:05.000000000+00:00 stdout P unfinished',
].join('\n');

async function read(opts: ReadLogsOptions, name = 'a.log'): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readLogs(join(dir, name), opts)) out.push(`${e.stream}:${e.line}`);
  return out;
}

describe('k8s-file logs', () => {
  beforeAll(async () => {
    await fsp.writeFile(join(dir, 'a.log'), SAMPLE + '\n');
  });

  it('parses a line', () => {
    expect(parseK8sLogLine('2024-05-01T10:00:00.123456789+00:00 stderr P x y ')).toMatchObject({
      stream: 'stderr',
      partial: true,
      text: 'x y ',
      rawTime: '2024-05-01T10:00:00.123456789+00:00',
    });
    expect(parseK8sLogLine('2024-05-01T10:00:00Z stdout F ')?.text).toBe('');
    expect(parseK8sLogLine('garbage')).toBeUndefined();
  });

  it('formats docker timestamps in UTC with nine digits', () => {
    expect(toDockerTimestamp('2024-05-01T12:00:01.5+02:00')).toBe('2024-05-01T10:00:01.500000000Z');
    expect(toDockerTimestamp('2024-05-01T10:00:00.123456789+00:00')).toBe('2024-05-01T10:00:00.123456789Z');
  });

  it('joins partial lines per stream and filters streams', async () => {
    expect(await read({})).toEqual([
      'stdout:first\n',
      'stderr:partial\n',
      'stdout:ab\n',
      'stdout:\n',
      'stdout:unfinished',
    ]);
    expect(await read({ stdout: false })).toEqual(['stderr:partial\n']);
  });

  it('tails, and filters by time using the first piece', async () => {
    expect(await read({ tail: 2 })).toEqual(['stdout:\n', 'stdout:unfinished']);
    expect(await read({ tail: 0 })).toEqual([]);
    expect(
      await read({ since: new Date('2024-05-01T10:00:02Z'), until: new Date('2024-05-01T10:00:04Z') }),
    ).toEqual(['stdout:ab\n', 'stdout:\n']);
  });

  it('prefixes timestamps', async () => {
    const [first] = await read({ timestamps: true, tail: 5 });
    expect(first).toBe('stdout:2024-05-01T10:00:00.000000001Z first\n');
  });

  it('rotates and reads the rotated set oldest first', async () => {
    const p = join(dir, 'r.log');
    let reopened = 0;
    const reopen = async (): Promise<void> => {
      reopened++;
      await fsp.writeFile(p, '');
    };
    for (let i = 1; i <= 4; i++) {
      await fsp.appendFile(p, `2024-05-01T10:00:0${i}.000000000+00:00 stdout F m${i}\n`);
      await rotateLog(p, { maxSize: 10, maxFiles: 3 }, reopen);
    }
    expect(reopened).toBe(4);
    expect(await logFiles(p)).toEqual([`${p}.2`, `${p}.1`, p]);
    expect(await read({}, 'r.log')).toEqual(['stdout:m3\n', 'stdout:m4\n']);
    expect(await rotateLog(p, { maxSize: 10, maxFiles: 3 }, reopen)).toBe(false);
  });

  it('follows appended lines and stops after exit once drained', async () => {
    const p = join(dir, 'f.log');
    await fsp.writeFile(p, '2024-05-01T10:00:00.000000000+00:00 stdout F old\n');
    let exit!: () => void;
    const exited = new Promise<void>((r) => (exit = r));
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of readLogs(p, { follow: true, tail: 1, exited, pollMs: 20 })) seen.push(e.line);
    })();
    await new Promise((r) => setTimeout(r, 50));
    await fsp.appendFile(p, '2024-05-01T10:00:01.000000000+00:00 stdout P new');
    await new Promise((r) => setTimeout(r, 50));
    await fsp.appendFile(p, '\n2024-05-01T10:00:01.000000000+00:00 stdout F line\n');
    exit();
    await done;
    expect(seen).toEqual(['old\n', 'newline\n']);
  });

  it('follow stops on abort', async () => {
    const p = join(dir, 'g.log');
    await fsp.writeFile(p, '');
    const ac = new AbortController();
    const it = readLogs(p, { follow: true, signal: ac.signal, pollMs: 20 });
    setTimeout(() => ac.abort(), 50);
    const all: unknown[] = [];
    for await (const e of it) all.push(e);
    expect(all).toEqual([]);
  });
});
