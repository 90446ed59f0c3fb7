import type { Command } from '../../app/commands';
import { navigate } from '../../app/router';
import { useImagesUi } from './ui-store';

/**
 * Opens after the palette's Enter has fully gone by: the palette acts on keydown, and the keypress
 * that follows would otherwise land on the dialog's first button (its Close) and shut it again.
 */
const later = (fn: () => void) => setTimeout(fn, 0);

/** This feature's entries in the command palette. */
export const imagesCommands: Command[] = [
  {
    id: 'images.pull',
    label: 'images.command.pull',
    keywords: 'pull image download docker',
    run: () => {
      navigate('images');
      later(() => useImagesUi.getState().openPull(undefined));
    },
  },
  {
    id: 'images.prune',
    label: 'images.command.prune',
    keywords: 'prune images clean dangling unused reclaim',
    run: () => {
      navigate('images');
      later(() => useImagesUi.getState().openPrune());
    },
  },
];
