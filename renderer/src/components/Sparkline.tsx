import './charts.css';
import { memo } from 'react';

/**
 * A tiny line of recent values (inline SVG, no axes). The highest value sets the top, but never
 * below `max` (so 0.2 % CPU does not look like a full load).
 */
export const Sparkline = memo(function Sparkline(props: {
  values: number[];
  /** How many points the full width holds (older ones scroll off the left). */
  capacity: number;
  max?: number;
  width?: number;
  height?: number;
  label: string;
  className?: string;
}) {
  const { values, capacity, width = 72, height = 20 } = props;
  const top = Math.max(props.max ?? 0, ...values, 1e-9);
  const step = width / Math.max(1, capacity - 1);
  const start = capacity - values.length;
  const pts = values.map((v, i) => {
    const x = (start + i) * step;
    const y = height - 1 - (Math.min(v, top) / top) * (height - 2);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return (
    <svg
      className={props.className ?? 'sparkline'}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={props.label}
    >
      <line className="sparkline-base" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
      {pts.length > 1 && (
        <>
          <polygon
            className="sparkline-area"
            points={`${pts[0]!.split(',')[0]},${height} ${pts.join(' ')} ${pts.at(-1)!.split(',')[0]},${height}`}
          />
          <polyline className="sparkline-line" points={pts.join(' ')} />
        </>
      )}
    </svg>
  );
});
