import { useState } from 'react';
import { JsonTree } from '../../components/JsonTree';
import { toast } from '../../components/toasts';
import { useT } from '../../i18n';

/** Copies text with the async clipboard API, falling back to a hidden textarea (plain http pages). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      area.remove();
    }
  }
}

/** The image's inspect JSON as a collapsible tree (the shared JsonTree), with expand/collapse all and copy. */
export function InspectView({ data }: { data: unknown }) {
  const t = useT();
  // A new key re-mounts the tree, so expand/collapse all reach every node.
  const [depth, setDepth] = useState({ n: 1, gen: 0 });
  return (
    <div className="img-inspect">
      <div className="img-inspect-bar">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDepth((d) => ({ n: 99, gen: d.gen + 1 }))}
        >
          {t('images.json.expandAll')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDepth((d) => ({ n: 1, gen: d.gen + 1 }))}
        >
          {t('images.json.collapseAll')}
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={async () => {
            const ok = await copyText(JSON.stringify(data, null, 2));
            toast(ok ? 'success' : 'error', ok ? t('common.copied') : t('images.json.copyFailed'));
          }}
        >
          {t('common.copy')}
        </button>
      </div>
      <JsonTree key={depth.gen} data={data} expandDepth={depth.n} label={t('images.details.inspect')} />
    </div>
  );
}
