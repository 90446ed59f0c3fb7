import './charts.css';

export interface ChartSeries {
  label: string;
  values: number[];
  /** A CSS color (use the theme variables: var(--accent), var(--success) …). */
  color: string;
}

/**
 * A small time-series chart in inline SVG: one or more lines over the last `capacity` samples, with
 * the scale's top value and each series' latest value as text (kept out of the stretched SVG).
 */
export function LineChart(props: {
  title: string;
  series: ChartSeries[];
  capacity: number;
  format(v: number): string;
  /** The lowest the top of the scale goes (the data raises it). */
  max?: number;
  height?: number;
  /** Caption under the chart (e.g. "last 2 minutes"). */
  caption?: string;
}) {
  const W = 600;
  const H = props.height ?? 140;
  const dataMax = Math.max(0, ...props.series.flatMap((s) => s.values));
  const top = niceTop(Math.max(props.max ?? 0, dataMax));
  const step = W / Math.max(1, props.capacity - 1);
  const line = (values: number[]) => {
    const start = props.capacity - values.length;
    return values
      .map((v, i) => `${((start + i) * step).toFixed(1)},${(H - (v / top) * (H - 4) - 2).toFixed(1)}`)
      .join(' ');
  };
  return (
    <figure className="chart card">
      <figcaption className="chart-head">
        <span className="chart-title">{props.title}</span>
        <span className="chart-legend">
          {props.series.map((s) => (
            <span key={s.label} className="chart-legend-item">
              <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label} <strong>{s.values.length ? props.format(s.values.at(-1)!) : '—'}</strong>
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-plot">
        <span className="chart-axis chart-axis-top">{props.format(top)}</span>
        <span className="chart-axis chart-axis-bottom">{props.format(0)}</span>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          height={H}
          role="img"
          aria-label={`${props.title}: ${props.series
            .map((s) => `${s.label} ${s.values.length ? props.format(s.values.at(-1)!) : '—'}`)
            .join(', ')}`}
        >
          {[0.25, 0.5, 0.75].map((f) => (
            <line key={f} className="chart-grid" x1={0} x2={W} y1={H * f} y2={H * f} />
          ))}
          {props.series.map(
            (s) =>
              s.values.length > 1 && (
                <polyline
                  key={s.label}
                  points={line(s.values)}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  vectorEffect="non-scaling-stroke"
                  strokeLinejoin="round"
                />
              ),
          )}
        </svg>
      </div>
      {props.caption && <div className="chart-caption muted">{props.caption}</div>}
    </figure>
  );
}

/** A round number at or above v (1, 2, 5 × 10^n), so the axis reads well. */
export function niceTop(v: number): number {
  if (v <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * exp) return m * exp;
  return 10 * exp;
}
