import { describe, expect, it } from 'vitest';
import { commandFor, splitCommand } from './command';

describe('shell picker', () => {
  it('maps choices to commands', () => {
    expect(commandFor('sh', '')).toEqual(['/bin/sh']);
    expect(commandFor('bash', 'ignored')).toEqual(['/bin/bash']);
    expect(commandFor('custom', 'redis-cli -h db')).toEqual(['redis-cli', '-h', 'db']);
    expect(commandFor('custom', '   ')).toEqual(['/bin/sh']);
  });

  it('splits a command line like a shell', () => {
    expect(splitCommand(`psql -c "select 'x'" --user=a\\ b ''`)).toEqual([
      'psql',
      '-c',
      "select 'x'",
      '--user=a b',
      '',
    ]);
    expect(splitCommand(`sh -c 'echo "$HOME"'`)).toEqual(['sh', '-c', 'echo "$HOME"']);
    expect(splitCommand(`echo "a \\"q\\" b"`)).toEqual(['echo', 'a "q" b']);
  });
});
