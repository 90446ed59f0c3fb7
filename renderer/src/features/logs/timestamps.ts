// docker's `--timestamps` prefix on log lines: `2024-05-01T12:00:00.123456789Z ` (RFC 3339, UTC).

/** Length of the timestamp prefix (with its space) at `at` in `text`, or 0. */
export function timestampLength(text: string, at = 0): number {
  // Cheap checks first: this runs for visible rows and during searches.
  if (text.charCodeAt(at + 4) !== 45 || text.charCodeAt(at + 10) !== 84 || text.charCodeAt(at + 13) !== 58)
    return 0;
  const end = text.indexOf(' ', at + 19);
  if (end < 0 || end > at + 36 || text.charCodeAt(end - 1) !== 90) return 0;
  return end + 1 - at;
}

/** The timestamp (without its space) a line starts with, or undefined. */
export function timestampOf(line: string): string | undefined {
  const n = timestampLength(line);
  return n ? line.slice(0, n - 1) : undefined;
}
