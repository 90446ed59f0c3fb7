import type { Command } from '../../app/commands';
import { navigate } from '../../app/router';
import { useVolumesUi } from './ui-store';

/** This feature's entries in the command palette. */
export const volumesCommands: Command[] = [
  {
    id: 'volumes.create',
    label: 'volumes.cmd.create',
    keywords: 'volume create new',
    run: () => {
      navigate('volumes');
      useVolumesUi.getState().open('create');
    },
  },
  {
    id: 'volumes.import',
    label: 'volumes.cmd.import',
    keywords: 'volume import tar restore',
    run: () => {
      navigate('volumes');
      useVolumesUi.getState().open('import');
    },
  },
  {
    id: 'volumes.prune',
    label: 'volumes.cmd.prune',
    keywords: 'volume prune unused clean',
    run: () => {
      navigate('volumes');
      useVolumesUi.getState().open('prune');
    },
  },
];
