import { describe, expect, it } from 'vitest';
import { LogStore } from './log-store';
import { LogSearch } from './log-search';

const TS = (s: number, n = 0) =>
  `2024-05-01T12:00:${String(s).padStart(2, '0')}.${String(n).padStart(9, '0')}Z`;

function batch(lines: string[], stderr?: number[]) {
  return { text: lines.join('\n'), count: lines.length, ...(stderr ? { stderr } : {}) };
}

describe('LogStore', () => {
  it('packs lines into chunks and reads them back, with stderr flags', () => {
    const s = new LogStore();
    s.append(batch(['a', 'b', 'c'], [1, 2]));
    s.append(batch(['', 'é€😀', 'f'], [0, 1, 2, 3]));
    expect(s.count).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((n) => s.line(n))).toEqual(['a', 'b', 'c', '', 'é€😀', 'f']);
    expect([0, 1, 2, 3, 4, 5].map((n) => s.isStderr(n))).toEqual([false, true, false, true, false, true]);
    // Small batches merge into one chunk.
    expect(s.chunks).toHaveLength(1);
  });

  it('keeps big batches as their own chunks and finds lines across them', () => {
    const s = new LogStore();
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    s.append(batch(big.slice(0, 2500)));
    s.append(batch(big.slice(2500)));
    expect(s.chunks.length).toBe(2);
    for (const n of [0, 2499, 2500, 4999]) expect(s.line(n)).toBe(big[n]);
  });

  it('drops the oldest chunks past its limits, numbering on; clear() empties the view', () => {
    const s = new LogStore({ maxLines: 5000, maxChars: 1e9 });
    for (let k = 0; k < 4; k++)
      s.append(batch(Array.from({ length: 2500 }, (_, i) => `${k}-${i} ${'y'.repeat(60)}`)));
    expect(s.count).toBeLessThanOrEqual(5000);
    expect(s.dropped).toBe(10_000 - s.count);
    expect(s.line(s.base)).toMatch(new RegExp(`^${s.base / 2500}-0 `));
    expect(s.line(s.end - 1)).toMatch(/^3-2499 /);
    const end = s.end;
    s.clear();
    expect(s.count).toBe(0);
    s.append(batch(['after']));
    expect(s.line(end)).toBe('after');
  });

  it('gives text for copy with or without timestamps', () => {
    const s = new LogStore();
    s.append(batch([`${TS(1)} one`, 'no stamp', `${TS(2)} two`]));
    expect(s.allText(true)).toBe(`${TS(1)} one\nno stamp\n${TS(2)} two`);
    expect(s.allText(false)).toBe('one\nno stamp\ntwo');
  });

  it('tracks where to resume: the last timestamp and how many lines carried it', () => {
    const s = new LogStore();
    s.append(batch([`${TS(1)} a`, `${TS(2)} b`, `${TS(2)} c`]));
    expect(s.resumePoint).toEqual({ timestamp: TS(2), seen: 2 });
    // The same timestamp continues in the next batch (conmon stamps a whole read alike).
    s.append(batch([`${TS(2)} d`, 'continued without stamp']));
    expect(s.resumePoint).toEqual({ timestamp: TS(2), seen: 3 });
    s.append(batch([`${TS(3, 5)} e`]));
    expect(s.resumePoint).toEqual({ timestamp: TS(3, 5), seen: 1 });
    s.clear();
    expect(s.resumePoint).toEqual({ timestamp: TS(3, 5), seen: 1 });
    s.reset();
    expect(s.resumePoint).toBeUndefined();
  });
});

describe('LogSearch', () => {
  it('finds matching lines case-insensitively, once per line, across chunks', () => {
    const s = new LogStore();
    const lines = Array.from({ length: 6000 }, (_, i) =>
      i % 1000 === 7 ? `ERROR twice error in ${i}` : `ok ${i} ${'z'.repeat(30)}`,
    );
    s.append(batch(lines.slice(0, 3000)));
    s.append(batch(lines.slice(3000)));
    const search = new LogSearch(s, 'error', false);
    while (!search.step(1));
    expect(search.matches).toEqual([7, 1007, 2007, 3007, 4007, 5007]);
    // New lines are scanned when it runs again.
    s.append(batch(['late error']));
    expect(search.done).toBe(false);
    search.step();
    expect(search.matches.at(-1)).toBe(6000);
    expect(search.indexAtOrAfter(2000)).toBe(2);
    expect(search.indexAtOrAfter(7000)).toBe(7);
  });

  it('treats the query as text, and skips timestamps when they are hidden', () => {
    const s = new LogStore();
    s.append(batch([`${TS(12)} a.b*c`, `${TS(13)} axbc`, `${TS(14)} at 12:00`]));
    const literal = new LogSearch(s, 'a.b*', false);
    literal.step();
    expect(literal.matches).toEqual([0]);
    const shown = new LogSearch(s, '12:00', false);
    shown.step();
    expect(shown.matches).toEqual([0, 1, 2]);
    const hidden = new LogSearch(s, '12:00', true);
    hidden.step();
    expect(hidden.matches).toEqual([2]);
  });

  it('forgets matches in lines that were cleared', () => {
    const s = new LogStore();
    s.append(batch(['hit 1', 'miss', 'hit 2']));
    const search = new LogSearch(s, 'hit', false);
    search.step();
    expect(search.matches).toEqual([0, 2]);
    s.clear();
    s.append(batch(['hit 3']));
    search.step();
    expect(search.matches).toEqual([3]);
  });
});
