import type { MessageKey } from '../i18n';

/** An entry in the command palette (Ctrl/Cmd+K). */
export interface Command {
  id: string;
  label: MessageKey;
  /** Extra words to match on, e.g. the English label when the UI is in Chinese. */
  keywords?: string;
  shortcut?: string;
  run(): void;
}
