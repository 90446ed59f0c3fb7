// Searching a LogStore without freezing the window: the scan runs in slices of a few milliseconds
// between frames, finds the lines that match (as absolute line numbers, in order), and picks up
// new lines as they arrive. Case-insensitive, plain text (not a regex).
import type { LogStore } from './log-store';
import { timestampLength } from './timestamps';

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The pattern that finds `query` (global, case-insensitive), or null for an empty query. */
export function searchPattern(query: string): RegExp | null {
  return query ? new RegExp(escapeRegExp(query), 'gi') : null;
}

export class LogSearch {
  /** Absolute numbers of the matching lines, ascending. */
  readonly matches: number[] = [];
  /** Absolute number of the next line to scan. */
  private next: number;
  private readonly pattern: RegExp;

  constructor(
    private readonly store: LogStore,
    readonly query: string,
    /** Whether timestamps are hidden (then a match inside one does not count). */
    private readonly skipTimestamps: boolean,
  ) {
    this.pattern = searchPattern(query)!;
    this.next = store.base;
  }

  /** True when every line held has been scanned. */
  get done(): boolean {
    return this.next >= this.store.end;
  }

  /** Scans for up to `budgetMs`; returns true when done. */
  step(budgetMs = 8): boolean {
    const store = this.store;
    // Lines dropped or cleared since: forget their matches.
    if (this.next < store.base) this.next = store.base;
    if (this.matches.length && this.matches[0]! < store.base) {
      let k = 0;
      while (k < this.matches.length && this.matches[k]! < store.base) k++;
      this.matches.splice(0, k);
    }
    const deadline = performance.now() + budgetMs;
    while (this.next < store.end) {
      const ci = store.chunkIndex(this.next);
      this.scanChunk(ci, this.next - store.chunks[ci]!.first);
      const c = store.chunks[ci]!;
      this.next = c.first + c.count;
      if (performance.now() >= deadline) break;
    }
    return this.done;
  }

  private scanChunk(ci: number, fromLine: number): void {
    const c = this.store.chunks[ci]!;
    const { text, starts, count } = c;
    const re = this.pattern;
    re.lastIndex = starts[fromLine]!;
    let line = fromLine;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const at = m.index;
      while (line + 1 < count && starts[line + 1]! <= at) line++;
      const start = starts[line]!;
      if (this.skipTimestamps) {
        const ts = timestampLength(text, start);
        if (ts && at < start + ts) {
          re.lastIndex = start + ts;
          continue;
        }
      }
      this.matches.push(c.first + line);
      // One hit is enough for a line: go on with the next.
      if (line + 1 >= count) break;
      line++;
      re.lastIndex = starts[line]!;
    }
  }

  /** Index in `matches` of the first match at or after line `n` (matches.length when none). */
  indexAtOrAfter(n: number): number {
    let lo = 0;
    let hi = this.matches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.matches[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
