import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH, mergeImageEnv, processArgs, processEnv, replaceOrAppendEnv } from './process.js';

describe('processArgs', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
  it.each([
    [{}, ['/entry', 'default']],
    [{ Cmd: ['x', 'y'] }, ['/entry', 'x', 'y']],
    [{ Entrypoint: ['/other'] }, ['/other']],
    [{ Entrypoint: ['/other'], Cmd: ['a'] }, ['/other', 'a']],
    [{ Entrypoint: [''], Cmd: ['echo', 'hi'] }, ['echo', 'hi']],
    [{ Entrypoint: 'sh', Cmd: '-c' }, ['sh', '-c']],
  ])('%j', (config, expected) => {
    expect(processArgs(image, config)).toEqual(expected);
  });

  it('takes the image Cmd when there is no entrypoint', () => {
    expect(processArgs({ Cmd: ['sh'] }, {})).toEqual(['sh']);
    expect(processArgs({ Cmd: ['sh'] }, { Cmd: ['ls'] })).toEqual(['ls']);
  });

  it('refuses an empty command', () => {
    expect(() => processArgs({}, {})).toThrow('No command specified');
    expect(() => processArgs(image, { Entrypoint: [''] })).toThrow('No command specified');
  });
});

describe('environment', () => {
  it('merges image env under the request env', () => {
    expect(mergeImageEnv(['A=1', 'B=2', 'PATH=/img'], ['B=3', 'C=4'])).toEqual([
      'B=3',
      'C=4',
      'A=1',
      'PATH=/img',
    ]);
    expect(mergeImageEnv(['A=1'], null)).toEqual(['A=1']);
  });

  it('replaces, appends and unsets', () => {
    expect(replaceOrAppendEnv(['A=1', 'B=2'], ['A=9', 'C=3', 'B'])).toEqual(['A=9', 'C=3']);
  });

  it('adds PATH, HOSTNAME, TERM and HOME defaults', () => {
    expect(processEnv({ env: ['FOO=bar'], hostname: 'abc', tty: true, home: '/root' })).toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=abc',
      'TERM=xterm',
      'FOO=bar',
      'HOME=/root',
    ]);
    expect(processEnv({ env: ['PATH=/x', 'HOME=/h'], hostname: 'abc', home: '/root' })).toEqual([
      'PATH=/x',
      'HOSTNAME=abc',
      'HOME=/h',
    ]);
  });
});
