// The shell picker: what each choice runs, and a custom command line split into argv the way a
// shell would (quotes and backslashes), so images without a shell can run e.g. `redis-cli -h db`.

export type ShellChoice = 'sh' | 'bash' | 'custom';

export function commandFor(choice: ShellChoice, custom: string): string[] {
  if (choice === 'bash') return ['/bin/bash'];
  if (choice === 'custom') {
    const argv = splitCommand(custom);
    if (argv.length) return argv;
  }
  return ['/bin/sh'];
}

/** Splits a command line into words: whitespace separates, '…' and "…" group, \ escapes. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}
