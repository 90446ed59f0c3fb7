import type { Command } from '../../app/commands';
import { navigate } from '../../app/router';
import { useListPrefs } from './list-prefs';
import { useRunDialog } from './run-dialog-store';

const showList = (filter: 'all' | 'running' | 'stopped') => () => {
  useListPrefs.getState().setFilter(filter);
  navigate('containers');
};

/** This feature's entries in the command palette. */
export const containersCommands: Command[] = [
  {
    id: 'containers.run',
    label: 'containers.cmd.run',
    keywords: 'run container docker run new create start',
    run: () => useRunDialog.getState().show(),
  },
  {
    id: 'containers.showRunning',
    label: 'containers.cmd.showRunning',
    keywords: 'containers running filter',
    run: showList('running'),
  },
  {
    id: 'containers.showStopped',
    label: 'containers.cmd.showStopped',
    keywords: 'containers stopped exited filter',
    run: showList('stopped'),
  },
  {
    id: 'containers.showAll',
    label: 'containers.cmd.showAll',
    keywords: 'containers all filter',
    run: showList('all'),
  },
];
