// Native notifications for long tasks that finish while the user looks elsewhere (backend.notify()).
// When the window has focus the page shows its own toast, so nothing is shown twice.
import type { Notice } from '../backend/context.js';

export interface NotifierDeps {
  /** Whether the app's window is focused (and visible). */
  isFocused(): boolean;
  isSupported(): boolean;
  /** Shows a native notification; `onClick` brings the window back. */
  show(notice: Notice, onClick: () => void): void;
  focusWindow(): void;
}

export function createNotifier(deps: NotifierDeps): (notice: Notice) => void {
  return (notice) => {
    if (deps.isFocused() || !deps.isSupported()) return;
    deps.show({ title: notice.title.slice(0, 200), body: notice.body.slice(0, 1000) }, () =>
      deps.focusWindow(),
    );
  };
}
