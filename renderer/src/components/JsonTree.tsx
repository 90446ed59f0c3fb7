import { memo, useState } from 'react';
import './json-tree.css';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A collapsible JSON tree: objects and arrays fold, each toggle is a button named after its key
 * (with aria-expanded), so it is keyboard- and screen-reader-friendly. Nodes deeper than
 * `expandDepth` start folded; re-mount (change `key`) to expand or fold everything.
 */
export function JsonTree({
  data,
  expandDepth = 1,
  label,
}: {
  data: unknown;
  expandDepth?: number;
  label: string;
}) {
  return (
    <div className="json-tree mono" role="tree" aria-label={label}>
      <Node name={null} value={data as Json} depth={0} expandDepth={expandDepth} path="$" />
    </div>
  );
}

function summary(v: Json): string {
  if (Array.isArray(v)) return `[${v.length}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).length}}`;
  return '';
}

const Node = memo(function Node(props: {
  name: string | null;
  value: Json;
  depth: number;
  expandDepth: number;
  path: string;
}) {
  const { name, value, depth } = props;
  const composite = value !== null && typeof value === 'object';
  const empty = composite && Object.keys(value).length === 0;
  const [open, setOpen] = useState(depth < props.expandDepth);
  const keyLabel = name === null ? null : <span className="json-key">{name}</span>;
  if (!composite || empty) {
    return (
      <div
        className="json-row"
        role="treeitem"
        aria-level={depth + 1}
        style={{ paddingLeft: depth * 16 + 18 }}
      >
        {keyLabel}
        {keyLabel && <span className="json-colon">: </span>}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: [string, Json][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value);
  return (
    <div role="treeitem" aria-level={depth + 1} aria-expanded={open}>
      <div className="json-row" style={{ paddingLeft: depth * 16 }}>
        <button
          type="button"
          className="json-toggle"
          aria-expanded={open}
          aria-label={`${name ?? 'root'} ${summary(value)}`}
          onClick={() => setOpen((o) => !o)}
        >
          <span className="json-caret" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>
          {keyLabel ?? <span className="json-key">{Array.isArray(value) ? 'Array' : 'Object'}</span>}
        </button>
        <span className="json-summary">{open ? (Array.isArray(value) ? '[' : '{') : summary(value)}</span>
      </div>
      {open && (
        <div role="group">
          {entries.map(([k, v]) => (
            <Node
              key={k}
              name={k}
              value={v}
              depth={depth + 1}
              expandDepth={props.expandDepth}
              path={`${props.path}.${k}`}
            />
          ))}
          <div className="json-row json-summary" style={{ paddingLeft: depth * 16 + 18 }} aria-hidden="true">
            {Array.isArray(value) ? ']' : '}'}
          </div>
        </div>
      )}
    </div>
  );
});

function Scalar({ value }: { value: Json }) {
  if (value === null) return <span className="json-null">null</span>;
  if (Array.isArray(value)) return <span className="json-summary">[]</span>;
  switch (typeof value) {
    case 'string':
      return <span className="json-string">{JSON.stringify(value)}</span>;
    case 'number':
      return <span className="json-number">{value}</span>;
    case 'boolean':
      return <span className="json-boolean">{String(value)}</span>;
    default:
      return <span className="json-summary">{'{}'}</span>;
  }
}
