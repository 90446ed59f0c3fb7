/** A terminal attached to a container: exec with a shell picker, or attach. Filled in by the terminal feature. */
export function TerminalView({ containerId }: { containerId: string }) {
  return <div className="muted">terminal for {containerId}</div>;
}
