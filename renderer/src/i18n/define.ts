/** A feature's strings: English is the source, Simplified Chinese must have every key (checked by tsc). */
export function defineMessages<E extends Record<string, string>>(m: {
  en: E;
  zh: { [K in keyof E]: string };
}) {
  return m;
}
