// The logs and terminal handlers through a real BridgeSession against a real engine: log lines with
// stdout/stderr demultiplexed, TTY logs, tail/follow/timestamps/resume, flow control of a big log, and
// exec/attach sessions with input, resize (`stty size`), UTF-8 across reads and flow control.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeSession } from '../../electron/backend/session.js';
import { ConnectionManager } from '../../electron/backend/connections.js';
import { SettingsStore } from '../../electron/backend/settings-store.js';
import type { Backend } from '../../electron/backend/context.js';
import type {
  BridgeError,
  LogsEvent,
  LogsLines,
  Result,
  ServerMessage,
  TerminalEvent,
} from '../../electron/contract/index.js';
import { LOGS_WINDOW_CHARS, TERMINAL_WINDOW_CHARS } from '../../electron/contract/index.js';
import { dockerOk, setup, type Setup } from '../containers/helpers.js';

let s: Setup;

beforeAll(async () => {
  s = await setup();
}, 180_000);

afterAll(async () => {
  await s?.stop();
});

/** A client of one BridgeSession, as the renderer would be. */
function client() {
  const settings = new SettingsStore(join(mkdtempSync(join(tmpdir(), 'berth-lt-')), 's.json'));
  const connections = new ConnectionManager({
    settings,
    embeddedUrl: `unix://${s.eng.socket}`,
    env: {},
    dockerConfigDir: '/nonexistent',
    wellKnownSockets: [],
  });
  const backend: Backend = { settings, connections, notify: () => undefined };
  let nextId = 1;
  const calls = new Map<number, (r: Result<unknown>) => void>();
  const subs = new Map<number, { onEvent(e: unknown): void; onEnd(err?: BridgeError): void }>();
  const session = new BridgeSession(backend, (msg: ServerMessage) => {
    if (msg.type === 'result') {
      calls.get(msg.id)?.(msg.result);
      calls.delete(msg.id);
    } else if (msg.type === 'event') subs.get(msg.id)?.onEvent(msg.event);
    else {
      subs.get(msg.id)?.onEnd(msg.error);
      subs.delete(msg.id);
    }
  });
  return {
    session,
    async call(method: string, args: unknown): Promise<unknown> {
      const id = nextId++;
      const r = await new Promise<Result<unknown>>((resolve) => {
        calls.set(id, resolve);
        session.receive({ type: 'call', id, method, args });
      });
      if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
      return r.value;
    },
    subscribe<E>(topic: string, args: unknown) {
      const id = nextId++;
      const events: E[] = [];
      const waiters: (() => void)[] = [];
      let error: BridgeError | undefined;
      let over = false;
      const ended = new Promise<BridgeError | undefined>((resolve) => {
        subs.set(id, {
          onEvent: (e) => {
            events.push(e as E);
            for (const w of waiters.splice(0)) w();
          },
          onEnd: (err) => {
            error = err;
            over = true;
            resolve(err);
            for (const w of waiters.splice(0)) w();
          },
        });
      });
      session.receive({ type: 'subscribe', id, topic, args });
      return {
        events,
        ended,
        get error() {
          return error;
        },
        get over() {
          return over;
        },
        /** Waits until `pred(events)` holds (or fails after `ms`). */
        async until(pred: (events: E[]) => boolean, ms = 15_000, what = 'condition') {
          const deadline = Date.now() + ms;
          while (!pred(events)) {
            if (over && !pred(events))
              throw new Error(`stream ended (${error?.message ?? 'ok'}) before ${what}`);
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`timed out waiting for ${what}`);
            await new Promise<void>((r) => {
              const t = setTimeout(r, Math.min(left, 200));
              waiters.push(() => {
                clearTimeout(t);
                r();
              });
            });
          }
        },
        close: () => session.receive({ type: 'unsubscribe', id }),
      };
    },
  };
}

const linesOf = (events: LogsEvent[]) =>
  events.filter((e): e is LogsLines => e.kind === 'lines').flatMap((e) => e.text.split('\n'));

/** Indexes (over all batches) of the lines marked stderr. */
function stderrIndexes(events: LogsEvent[]): number[] {
  const out: number[] = [];
  let base = 0;
  for (const e of events) {
    if (e.kind !== 'lines') continue;
    const runs = e.stderr ?? [];
    for (let i = 0; i < runs.length; i += 2) for (let j = runs[i]!; j < runs[i + 1]!; j++) out.push(base + j);
    base += e.count;
  }
  return out;
}

const outputOf = (events: TerminalEvent[]) =>
  events
    .filter((e) => e.kind === 'data')
    .map((e) => (e as { data: string }).data)
    .join('');

async function runToEnd(args: string[]): Promise<string> {
  const id = (await dockerOk(s.eng, ['run', '-d', ...args])).stdout.trim();
  await dockerOk(s.eng, ['wait', id]);
  return id;
}

let streamSeq = 0;
const sid = () => `s${++streamSeq}`;

describe('logs topic', () => {
  it('streams a finished log as lines, stdout and stderr demultiplexed, UTF-8 intact', async () => {
    const id = await runToEnd([
      s.img,
      'sh',
      '-c',
      'echo out1; echo err1 >&2; sleep 0.1; echo out2; printf "ü€😀\\n"; printf "no newline"',
    ]);
    const c = client();
    const sub = c.subscribe<LogsEvent>('logs', { streamId: sid(), containerId: id, follow: false });
    expect(await sub.ended).toBeUndefined();
    expect(sub.events[0]).toMatchObject({ kind: 'info', id, tty: false, running: false });
    expect(linesOf(sub.events)).toEqual(['out1', 'err1', 'out2', 'ü€😀', 'no newline']);
    expect(stderrIndexes(sub.events)).toEqual([1]);
    c.session.close();
  });

  it('tails, adds timestamps, and resumes after a timestamp without repeating lines', async () => {
    const id = await runToEnd([s.img, 'sh', '-c', 'for i in 1 2 3 4 5 6; do echo n$i; done']);
    const c = client();
    const tail = c.subscribe<LogsEvent>('logs', { streamId: sid(), containerId: id, follow: false, tail: 2 });
    await tail.ended;
    expect(linesOf(tail.events)).toEqual(['n5', 'n6']);

    const ts = c.subscribe<LogsEvent>('logs', {
      streamId: sid(),
      containerId: id,
      follow: false,
      timestamps: true,
    });
    await ts.ended;
    const stamped = linesOf(ts.events);
    expect(stamped).toHaveLength(6);
    for (const [i, l] of stamped.entries())
      expect(l).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z n${i + 1}$`));

    // Resume after n4: its timestamp, and how many lines carrying that same timestamp were seen
    // (conmon stamps all lines of one read alike).
    const stamp = (l: string) => l.slice(0, l.indexOf(' '));
    const timestamp = stamp(stamped[3]!);
    const seen = stamped.slice(0, 4).filter((l) => stamp(l) === timestamp).length;
    const resumed = c.subscribe<LogsEvent>('logs', {
      streamId: sid(),
      containerId: id,
      follow: false,
      resume: { timestamp, seen },
    });
    await resumed.ended;
    expect(linesOf(resumed.events)).toEqual(['n5', 'n6']);
    c.session.close();
  });

  it('reads a TTY container raw: lines without carriage returns, nothing marked stderr', async () => {
    const id = await runToEnd(['-t', s.img, 'sh', '-c', 'echo a; echo b >&2; echo c']);
    const c = client();
    const sub = c.subscribe<LogsEvent>('logs', {
      streamId: sid(),
      containerId: id,
      follow: false,
      stripAnsi: true,
    });
    await sub.ended;
    expect(sub.events[0]).toMatchObject({ kind: 'info', tty: true });
    expect(linesOf(sub.events)).toEqual(['a', 'b', 'c']);
    expect(stderrIndexes(sub.events)).toEqual([]);
    c.session.close();
  });

  it('follows a running container in batches and stops when unsubscribed', async () => {
    const id = (
      await dockerOk(s.eng, [
        'run',
        '-d',
        s.img,
        'sh',
        '-c',
        'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done',
      ])
    ).stdout.trim();
    const c = client();
    const sub = c.subscribe<LogsEvent>('logs', { streamId: sid(), containerId: id });
    await sub.until((ev) => linesOf(ev).length >= 4, 15_000, '4 lines');
    const lines = linesOf(sub.events);
    expect(lines.slice(0, 4)).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
    // A line every 0.2 s arrives in its own batch (batches are ~30 ms), not all at the end.
    expect(sub.events.filter((e) => e.kind === 'lines').length).toBeGreaterThanOrEqual(2);
    sub.close();
    // The stream is released: acks for it are ignored, a new stream may reuse nothing of it.
    await c.call('logs.ack', { streamId: 's-none', chars: 1 });
    await dockerOk(s.eng, ['rm', '-f', id]);
    c.session.close();
  });

  it('ends a follow when the container stops', async () => {
    const id = (
      await dockerOk(s.eng, ['run', '-d', s.img, 'sh', '-c', 'echo started; sleep 1; echo bye'])
    ).stdout.trim();
    const c = client();
    const sub = c.subscribe<LogsEvent>('logs', { streamId: sid(), containerId: id, follow: true });
    expect(await sub.ended).toBeUndefined();
    expect(linesOf(sub.events)).toEqual(['started', 'bye']);
    c.session.close();
  });

  it('batches a big log and waits for acknowledgements (flow control)', async () => {
    const N = 200_000;
    const id = await runToEnd([
      s.img,
      'awk',
      `BEGIN { for (i = 1; i <= ${N}; i++) printf "line %d of a log that is long enough to fill windows\\n", i }`,
    ]);
    const c = client();
    const streamId = sid();
    const sub = c.subscribe<LogsEvent>('logs', { streamId, containerId: id, follow: false });
    const chars = () => sub.events.reduce((n, e) => n + (e.kind === 'lines' ? e.text.length : 0), 0);
    // Without acks the server stops after about one window.
    await sub.until(() => chars() >= LOGS_WINDOW_CHARS, 20_000, 'a window of log');
    await new Promise((r) => setTimeout(r, 500));
    expect(sub.over).toBe(false);
    expect(chars()).toBeLessThan(LOGS_WINDOW_CHARS + 256 * 1024);
    // Acknowledge as a renderer would, until the end.
    let acked = 0;
    while (!sub.over) {
      const now = chars();
      if (now > acked) {
        await c.call('logs.ack', { streamId, chars: now - acked });
        acked = now;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(sub.error).toBeUndefined();
    const lines = linesOf(sub.events);
    expect(lines.length).toBe(N);
    expect(lines[0]).toBe('line 1 of a log that is long enough to fill windows');
    expect(lines[N - 1]).toMatch(new RegExp(`^line ${N} `));
    expect(new Set(lines).size).toBe(N);
    // ~64 KB batches: a few dozen messages, not 300,000.
    const batches = sub.events.filter((e) => e.kind === 'lines').length;
    expect(batches).toBeLessThan(200);
    c.session.close();
  });

  it('fails cleanly for a container that does not exist', async () => {
    const c = client();
    const sub = c.subscribe<LogsEvent>('logs', { streamId: sid(), containerId: 'nope-nothing' });
    expect(await sub.ended).toMatchObject({ status: 404 });
    c.session.close();
  });
});

describe('terminal topic', () => {
  let running: string;
  beforeAll(async () => {
    running = (await dockerOk(s.eng, ['run', '-d', s.img, 'sleep', '3600'])).stdout.trim();
  });

  it('runs an exec session: input, output, resize seen by `stty size`, exit code', async () => {
    const c = client();
    const sessionId = sid();
    const sub = c.subscribe<TerminalEvent>('terminal', {
      sessionId,
      containerId: running,
      mode: 'exec',
      command: ['/bin/sh'],
      cols: 100,
      rows: 30,
    });
    await sub.until((ev) => ev.some((e) => e.kind === 'ready'), 10_000, 'ready');
    expect(sub.events[0]).toMatchObject({ kind: 'ready', mode: 'exec', tty: true });
    await c.call('terminal.input', { sessionId, data: 'busybox stty size\n' });
    await sub.until((ev) => /30 100/.test(outputOf(ev)), 10_000, 'stty size 30 100');
    await c.call('terminal.resize', { sessionId, cols: 132, rows: 43 });
    await c.call('terminal.input', { sessionId, data: 'busybox stty size; echo "h\u00e9llo \u20ac"\n' });
    await sub.until((ev) => /43 132/.test(outputOf(ev)), 10_000, 'stty size 43 132');
    await sub.until((ev) => outputOf(ev).includes('héllo €\r\n'), 10_000, 'echo of UTF-8');
    await c.call('terminal.input', { sessionId, data: 'exit 3\n' });
    expect(await sub.ended).toBeUndefined();
    expect(sub.events.at(-1)).toEqual({ kind: 'exit', reason: 'exited', exitCode: 3 });
    await expect(c.call('terminal.input', { sessionId, data: 'x' })).rejects.toMatchObject({ status: 404 });
    c.session.close();
  });

  it('reports a missing shell instead of hanging', async () => {
    const c = client();
    const sub = c.subscribe<TerminalEvent>('terminal', {
      sessionId: sid(),
      containerId: running,
      command: ['/bin/bash'],
    });
    await sub.ended;
    const exit = sub.events.find((e) => e.kind === 'exit');
    expect(exit).toMatchObject({ kind: 'exit', reason: 'exited' });
    expect((exit as { exitCode: number }).exitCode).toBeGreaterThanOrEqual(126);
    c.session.close();
  });

  it('refuses a stopped container with a clear error', async () => {
    const stopped = await runToEnd([s.img, 'true']);
    const c = client();
    const sub = c.subscribe<TerminalEvent>('terminal', { sessionId: sid(), containerId: stopped });
    expect(await sub.ended).toMatchObject({ status: 409, message: expect.stringMatching(/not running/) });
    c.session.close();
  });

  it('keeps UTF-8 whole across reads and pauses output until acknowledged', async () => {
    const c = client();
    const sessionId = sid();
    // 2-, 3- and 4-byte characters, far more than one read and one window.
    const sub = c.subscribe<TerminalEvent>('terminal', {
      sessionId,
      containerId: running,
      command: ['sh', '-c', 'yes "é€😀" | head -n 400000; echo END'],
    });
    const chars = () => outputOf(sub.events).length;
    await sub.until(() => chars() >= TERMINAL_WINDOW_CHARS, 20_000, 'a window of output');
    await new Promise((r) => setTimeout(r, 500));
    expect(sub.over).toBe(false);
    expect(chars()).toBeLessThan(TERMINAL_WINDOW_CHARS + 512 * 1024);
    let acked = 0;
    while (!sub.over) {
      const now = chars();
      if (now > acked) {
        await c.call('terminal.ack', { sessionId, chars: now - acked });
        acked = now;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const out = outputOf(sub.events);
    expect(out).not.toContain('\ufffd');
    expect(out.split('é€😀\r\n').length - 1).toBe(400_000);
    expect(out).toContain('END');
    expect(sub.events.at(-1)).toMatchObject({ kind: 'exit', exitCode: 0 });
    c.session.close();
  });

  it('attaches to a TTY container and to a non-TTY one (demultiplexed)', async () => {
    const tty = (await dockerOk(s.eng, ['run', '-dit', s.img, 'sh'])).stdout.trim();
    const c = client();
    const sessionId = sid();
    const sub = c.subscribe<TerminalEvent>('terminal', {
      sessionId,
      containerId: tty,
      mode: 'attach',
      cols: 90,
      rows: 20,
    });
    await sub.until((ev) => ev.some((e) => e.kind === 'ready'), 10_000, 'ready');
    expect(sub.events[0]).toMatchObject({ kind: 'ready', mode: 'attach', tty: true, stdin: true });
    await c.call('terminal.input', { sessionId, data: 'echo at$((1+1)); busybox stty size\n' });
    await sub.until((ev) => outputOf(ev).includes('at2'), 10_000, 'attached output');
    await sub.until((ev) => outputOf(ev).includes('20 90'), 10_000, 'attach size');
    sub.close();

    const plain = (
      await dockerOk(s.eng, [
        'run',
        '-d',
        s.img,
        'sh',
        '-c',
        'while true; do echo tick; echo tock >&2; sleep 0.2; done',
      ])
    ).stdout.trim();
    const sub2 = c.subscribe<TerminalEvent>('terminal', {
      sessionId: sid(),
      containerId: plain,
      mode: 'attach',
    });
    await sub2.until((ev) => /tick[\s\S]*tock/.test(outputOf(ev)), 10_000, 'tick and tock');
    expect(sub2.events[0]).toMatchObject({ kind: 'ready', tty: false, stdin: false });
    // eslint-disable-next-line no-control-regex -- docker stream frame header bytes
    expect(outputOf(sub2.events)).not.toMatch(/[\x00-\x02]/);
    await dockerOk(s.eng, ['stop', '-t', '1', plain]);
    expect(await sub2.ended).toBeUndefined();
    expect(sub2.events.at(-1)).toMatchObject({ kind: 'exit', reason: 'exited' });
    c.session.close();
    await dockerOk(s.eng, ['rm', '-f', tty, plain]);
  });

  it('ends the exec when the client goes away', async () => {
    const c = client();
    const sub = c.subscribe<TerminalEvent>('terminal', { sessionId: sid(), containerId: running });
    await sub.until((ev) => ev.some((e) => e.kind === 'ready'), 10_000, 'ready');
    const execId = (sub.events[0] as { execId: string }).execId;
    expect(execId).toMatch(/^[0-9a-f]{64}$/);
    c.session.close();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await s.eng.request('GET', `/exec/${execId}/json`);
      if (res.status === 200 && res.json().Running === false) break;
      if (Date.now() > deadline) throw new Error('the exec is still running after the client left');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
