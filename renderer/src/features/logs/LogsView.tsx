/** A container's logs (the Logs tab of container details). Filled in by the logs feature. */
export function LogsView({ containerId }: { containerId: string }) {
  return <div className="muted">logs of {containerId}</div>;
}
