import type { Command } from '../../app/commands';
import { navigate } from '../../app/router';
import { useDiskUi } from './ui-store';

/** This feature's entries in the command palette. */
export const diskCommands: Command[] = [
  {
    id: 'disk.reclaim',
    label: 'disk.cmd.reclaim',
    keywords: 'disk reclaim prune clean free space system',
    run: () => {
      navigate('disk');
      useDiskUi.getState().openReclaim();
    },
  },
];
