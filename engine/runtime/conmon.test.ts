import { describe, expect, it } from 'vitest';
import { runtimeErrorMessage, startFailureExitCode } from './conmon.js';

describe('runtime error messages', () => {
  it('extracts runc logfmt and crun plain messages', () => {
    const runc =
      'time="2026-01-01T00:00:00Z" level=error msg="runc create failed: unable to start container process: exec: \\"sh\\": executable file not found in $PATH"\n';
    expect(runtimeErrorMessage(runc)).toBe(
      'runc create failed: unable to start container process: exec: "sh": executable file not found in $PATH',
    );
    expect(
      runtimeErrorMessage('crun: executable file `nope` not found in $PATH: No such file or directory\n'),
    ).toBe('executable file `nope` not found in $PATH: No such file or directory');
  });

  it('maps failures to docker exit codes', () => {
    expect(startFailureExitCode('exec: "x": executable file not found in $PATH')).toBe(127);
    expect(startFailureExitCode('exec /bin/x: permission denied')).toBe(126);
    expect(startFailureExitCode('something else')).toBe(128);
  });
});
