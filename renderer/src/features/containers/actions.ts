// Lifecycle actions on one or many containers, with the outcome told in a toast.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../bridge';
import type { ActionResult } from '../../bridge/contract';
import { toast } from '../../components/toasts';
import { useT, type MessageKey } from '../../i18n';

export type BulkAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'kill' | 'remove';

const DONE: Record<BulkAction, MessageKey> = {
  start: 'containers.done.start',
  stop: 'containers.done.stop',
  restart: 'containers.done.restart',
  pause: 'containers.done.pause',
  unpause: 'containers.done.unpause',
  kill: 'containers.done.kill',
  remove: 'containers.done.remove',
};

async function invoke(
  action: BulkAction,
  ids: string[],
  opts: { force?: boolean; volumes?: boolean },
): Promise<ActionResult[]> {
  switch (action) {
    case 'remove':
      return call('containers.remove', { ids, force: opts.force ?? false, volumes: opts.volumes ?? false });
    case 'start':
      return call('containers.start', { ids });
    case 'stop':
      return call('containers.stop', { ids });
    case 'restart':
      return call('containers.restart', { ids });
    case 'pause':
      return call('containers.pause', { ids });
    case 'unpause':
      return call('containers.unpause', { ids });
    case 'kill':
      return call('containers.kill', { ids });
  }
}

/** Runs actions; `busy` names the one under way. Failures are listed per container in a toast. */
export function useContainerActions() {
  const t = useT();
  const qc = useQueryClient();
  const [busy, setBusy] = useState<BulkAction | null>(null);
  const run = async (
    action: BulkAction,
    ids: string[],
    opts: { force?: boolean; volumes?: boolean; names?: Map<string, string> } = {},
  ): Promise<ActionResult[]> => {
    if (ids.length === 0) return [];
    setBusy(action);
    try {
      const results = await invoke(action, ids, opts);
      const failed = results.filter((r) => !r.ok);
      if (failed.length) {
        const first = failed[0]!;
        const who = opts.names?.get(first.id) ?? first.id.slice(0, 12);
        toast(
          'error',
          ids.length === 1
            ? t('containers.failed.one', { name: who, error: first.error ?? '' })
            : t('containers.failed.some', {
                failed: failed.length,
                total: ids.length,
                name: who,
                error: first.error ?? '',
              }),
        );
      } else if (ids.length > 1) {
        toast('success', t(DONE[action], { count: ids.length }));
      } else if (action === 'remove') {
        toast(
          'success',
          t('containers.done.removeOne', { name: opts.names?.get(ids[0]!) ?? ids[0]!.slice(0, 12) }),
        );
      }
      return results;
    } catch (err) {
      toast('error', (err as Error).message);
      return ids.map((id) => ({ id, ok: false, error: (err as Error).message }));
    } finally {
      setBusy(null);
      void qc.invalidateQueries({ queryKey: ['containers'] });
    }
  };
  return { run, busy };
}
