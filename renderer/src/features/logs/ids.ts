/** A fresh id for a stream or session (unique per client). */
export function newStreamId(prefix: string): string {
  const c = globalThis.crypto as Crypto | undefined;
  const rand = c?.randomUUID
    ? c.randomUUID()
    : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${rand.replace(/[^A-Za-z0-9]/g, '').slice(0, 24)}`;
}
