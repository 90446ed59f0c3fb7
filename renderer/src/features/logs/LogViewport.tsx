// The log lines on screen: a hand-rolled fixed-row-height virtual list. Only the rows in view are in
// the DOM, and the scroll position maps to a line in O(1), so a million lines scroll as lightly as a
// hundred (a generic virtualizer keeps per-item measurements, which costs O(n) per append). Past what
// a browser can make tall, the scrollbar is scaled.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { LogStore } from './log-store';
import { timestampLength } from './timestamps';

export const ROW_HEIGHT = 18;
/** Tallest spacer we make; browsers cap element heights (Firefox near 17.8 M px). */
const MAX_SCROLL_PX = 8_000_000;
const OVERSCAN = 6;

export interface LogViewportProps {
  store: LogStore;
  /** Bumped when the store changed. */
  version: number;
  showTimestamps: boolean;
  /** Highlights these matches in the rows in view. */
  highlight: RegExp | null;
  /** The current search match (absolute line number), drawn stronger. */
  current: number | null;
  follow: boolean;
  onFollowChange(follow: boolean): void;
  /** Told the absolute number of the first line in view. */
  onTopLine?(line: number): void;
  /** Scrolls so that this line (absolute) is in the middle; `nonce` repeats a request. */
  reveal: { line: number; nonce: number } | null;
  label: string;
  empty?: ReactNode;
}

function highlighted(text: string, re: RegExp | null, keyBase: string): ReactNode {
  if (!re) return text;
  const out: ReactNode[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) break;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<mark key={`${keyBase}-${m.index}`}>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  if (last === 0) return text;
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function LogViewport(props: LogViewportProps) {
  const { store, showTimestamps, highlight, current, follow, onFollowChange } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(400);
  /** The scrollTop we set ourselves, so its scroll event is not taken for the user's. */
  const ours = useRef<number | null>(null);
  const followRef = useRef(follow);
  followRef.current = follow;

  const count = store.count;
  const virtualHeight = count * ROW_HEIGHT;
  const physicalHeight = Math.min(virtualHeight, MAX_SCROLL_PX);
  const ratio =
    virtualHeight > physicalHeight
      ? (virtualHeight - viewHeight) / Math.max(1, physicalHeight - viewHeight)
      : 1;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setViewHeight(el.clientHeight || 400);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const scrollToPx = useCallback((top: number) => {
    const el = ref.current;
    if (!el) return;
    const max = Math.max(0, el.scrollHeight - el.clientHeight);
    const target = Math.max(0, Math.min(max, Math.round(top)));
    ours.current = target;
    el.scrollTop = target;
    setScrollTop(el.scrollTop);
  }, []);

  // Following: stay at the bottom as lines arrive (and when the view is resized).
  useLayoutEffect(() => {
    if (follow) scrollToPx(Number.MAX_SAFE_INTEGER);
  }, [follow, props.version, count, viewHeight, scrollToPx]);

  // A search match to show: center it.
  useLayoutEffect(() => {
    const r = props.reveal;
    if (!r || r.line < store.base || r.line >= store.end) return;
    const top = ((r.line - store.base) * ROW_HEIGHT - viewHeight / 2 + ROW_HEIGHT / 2) / ratio;
    scrollToPx(top);
  }, [props.reveal]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    if (ours.current !== null && Math.abs(el.scrollTop - ours.current) < 2) {
      ours.current = null;
      return;
    }
    ours.current = null;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
    if (atBottom !== followRef.current) onFollowChange(atBottom);
  };

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Scrolling up stops following at once, before a new batch could pull the view back down.
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY < 0 && followRef.current) onFollowChange(false);
    };
    el.addEventListener('wheel', onWheel, { passive: true });
    return () => el.removeEventListener('wheel', onWheel);
  }, [onFollowChange]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (['ArrowUp', 'PageUp', 'Home'].includes(e.key) && followRef.current) onFollowChange(false);
    if (e.key === 'End' && !followRef.current) onFollowChange(true);
  };

  const virtualTop = scrollTop * ratio;
  const firstVisible = Math.floor(virtualTop / ROW_HEIGHT);
  const first = Math.max(0, firstVisible - OVERSCAN);
  const last = Math.min(count, firstVisible + Math.ceil(viewHeight / ROW_HEIGHT) + OVERSCAN);
  const offset = scrollTop - (virtualTop - first * ROW_HEIGHT);

  const topLine = store.base + Math.min(firstVisible, Math.max(0, count - 1));
  const onTopLine = props.onTopLine;
  useEffect(() => {
    onTopLine?.(topLine);
  }, [onTopLine, topLine]);

  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const n = store.base + i;
    const line = store.line(n);
    const ts = timestampLength(line);
    const text = ts ? line.slice(ts) : line;
    const cls = `log-row${store.isStderr(n) ? ' log-stderr' : ''}${n === current ? ' log-current' : ''}`;
    rows.push(
      <div key={n} className={cls} data-line={n}>
        {showTimestamps && ts > 0 && <span className="log-ts">{line.slice(0, ts)}</span>}
        {highlighted(text, highlight, String(n))}
      </div>,
    );
  }

  return (
    <div
      ref={ref}
      className="log-viewport"
      role="log"
      aria-live="off"
      aria-label={props.label}
      tabIndex={0}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      <div className="log-spacer" style={{ height: physicalHeight }} />
      <div className="log-rows" style={{ transform: `translateY(${offset}px)` }}>
        {rows}
      </div>
      {count === 0 && props.empty && <div className="log-empty">{props.empty}</div>}
    </div>
  );
}
