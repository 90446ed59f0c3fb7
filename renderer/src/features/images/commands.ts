import type { Command } from '../../app/commands';
import { navigate } from '../../app/router';
import { useImagesUi } from './ui-store';

/** This feature's entries in the command palette. */
export const imagesCommands: Command[] = [
  {
    id: 'images.pull',
    label: 'images.command.pull',
    keywords: 'pull image download docker',
    run: () => {
      navigate('images');
      useImagesUi.getState().openPull(undefined);
    },
  },
  {
    id: 'images.prune',
    label: 'images.command.prune',
    keywords: 'prune images clean dangling unused reclaim',
    run: () => {
      navigate('images');
      useImagesUi.getState().openPrune();
    },
  },
];
