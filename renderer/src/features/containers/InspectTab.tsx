import { useState } from 'react';
import { JsonTree } from '../../components/JsonTree';
import { toast } from '../../components/toasts';
import { useT } from '../../i18n';

/** The raw inspect JSON as a collapsible tree, with expand/collapse all and copy. */
export function InspectTab({ data, name }: { data: unknown; name: string }) {
  const t = useT();
  // Changing the depth re-mounts the tree, so "expand all" and "collapse all" reach every node.
  const [depth, setDepth] = useState({ n: 1, gen: 0 });
  return (
    <div>
      <div className="ctr-inspect-bar">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDepth((d) => ({ n: 99, gen: d.gen + 1 }))}
        >
          {t('containers.inspect.expandAll')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDepth((d) => ({ n: 1, gen: d.gen + 1 }))}
        >
          {t('containers.inspect.collapseAll')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(JSON.stringify(data, null, 2));
              toast('success', t('common.copied'));
            } catch (err) {
              toast('error', t('containers.inspect.copyFailed', { error: (err as Error).message }));
            }
          }}
        >
          {t('containers.inspect.copy')}
        </button>
      </div>
      <JsonTree
        key={depth.gen}
        data={data}
        expandDepth={depth.n}
        label={t('containers.inspect.label', { name })}
      />
    </div>
  );
}
