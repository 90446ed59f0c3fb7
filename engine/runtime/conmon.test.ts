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
    ).toBe('exec: "nope": executable file not found in $PATH');
  });

  it("rewords crun's failures the way the docker CLI matches them (its exit codes 127/126)", () => {
    expect(
      runtimeErrorMessage('crun: executable file `/no/x` not found in $PATH: No such file or directory'),
    ).toBe('exec: "/no/x": stat /no/x: no such file or directory');
    expect(runtimeErrorMessage('crun: open executable: Permission denied')).toBe(
      'open executable: permission denied',
    );
  });

  it('maps failures to docker exit codes', () => {
    expect(startFailureExitCode('exec: "x": executable file not found in $PATH')).toBe(127);
    expect(startFailureExitCode('exec /bin/x: permission denied')).toBe(126);
    expect(startFailureExitCode('something else')).toBe(128);
  });
});
