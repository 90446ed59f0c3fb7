import type { Command } from '../../app/commands';

/** This feature's entries in the command palette. */
export const settingsCommands: Command[] = [];
