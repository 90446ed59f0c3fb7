import { describe, expect, it } from 'vitest';
import { applyChanges } from './changes.js';

describe('applyChanges', () => {
  it('applies JSON and shell forms of CMD and ENTRYPOINT', () => {
    expect(applyChanges({}, ['CMD ["sh", "-c", "x"]'])).toEqual({ Cmd: ['sh', '-c', 'x'] });
    expect(applyChanges({}, ['cmd echo hi'])).toEqual({ Cmd: ['/bin/sh', '-c', 'echo hi'] });
    expect(applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["/init"]'])).toEqual({ Entrypoint: ['/init'] });
    expect(applyChanges({}, ['CMD ["a"]', 'ENTRYPOINT ["/init"]'])).toEqual({
      Cmd: ['a'],
      Entrypoint: ['/init'],
    });
  });

  it('handles ENV and LABEL pairs, quotes, legacy form and expansion', () => {
    const c = applyChanges({ Env: ['A=1'] }, [
      'ENV B=${A}2 C="x y"',
      'ENV D legacy value',
      'ENV A=3',
      'LABEL k="v w" x=$B',
    ]);
    expect(c.Env).toEqual(['A=3', 'B=12', 'C=x y', 'D=legacy value']);
    expect(c.Labels).toEqual({ k: 'v w', x: '12' });
  });

  it('handles EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD and HEALTHCHECK', () => {
    const c = applyChanges({}, [
      'EXPOSE 80 53/udp 1000-1001',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /x /y',
      'WORKDIR /a',
      'WORKDIR b/../c',
      'USER 1000:1000',
      'STOPSIGNAL SIGTERM',
      'ONBUILD RUN echo hi',
      'HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/',
    ]);
    expect(Object.keys(c.ExposedPorts as object).sort()).toEqual([
      '1000/tcp',
      '1001/tcp',
      '53/udp',
      '80/tcp',
    ]);
    expect(Object.keys(c.Volumes as object).sort()).toEqual(['/data', '/logs', '/x', '/y']);
    expect(c.WorkingDir).toBe('/a/c');
    expect(c.User).toBe('1000:1000');
    expect(c.StopSignal).toBe('SIGTERM');
    expect(c.OnBuild).toEqual(['RUN echo hi']);
    expect(c.Healthcheck).toEqual({
      Test: ['CMD-SHELL', 'curl -f http://localhost/'],
      Interval: 30e9,
      Retries: 3,
    });
  });

  it('joins continuation lines and skips comments', () => {
    expect(applyChanges({}, ['# comment\nENV A=1 \\\n  B=2'])).toEqual({ Env: ['A=1', 'B=2'] });
  });

  it("rejects what dockerd rejects, with dockerd's messages", () => {
    expect(() => applyChanges({}, ['RUN echo'])).toThrow('run is not a valid change command');
    expect(() => applyChanges({}, ['FROM busybox'])).toThrow('from is not a valid change command');
    expect(() => applyChanges({}, ['STOPSIGNAL SIGNOPE'])).toThrow('Invalid signal: SIGNOPE');
    expect(() => applyChanges({}, ['EXPOSE abc'])).toThrow('Invalid containerPort: abc');
    expect(() => applyChanges({}, ['ONBUILD ONBUILD RUN x'])).toThrow(
      "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
    );
    expect(() => applyChanges({}, ['ENV A=1 B'])).toThrow(/can't find = in "B"/);
  });

  it('leaves the input untouched', () => {
    const base = { Env: ['A=1'] };
    applyChanges(base, ['ENV A=2']);
    expect(base).toEqual({ Env: ['A=1'] });
  });
});
