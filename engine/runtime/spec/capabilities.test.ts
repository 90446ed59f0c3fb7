import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CAPABILITIES,
  allCapabilities,
  containerCapabilities,
  normalizeCapabilities,
  ownBoundingSet,
  processCapabilities,
} from './capabilities.js';

describe('capabilities', () => {
  it.each([
    [{}, [...DEFAULT_CAPABILITIES]],
    [{ capAdd: ['net_admin'] }, [...DEFAULT_CAPABILITIES, 'CAP_NET_ADMIN']],
    [
      { capAdd: ['CAP_SYS_ADMIN'], capDrop: ['chown', 'Cap_Kill'] },
      [...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'), 'CAP_SYS_ADMIN'],
    ],
    [{ capDrop: ['ALL'], capAdd: ['chown'] }, ['CAP_CHOWN']],
    [{ capDrop: ['all'] }, []],
  ])('%j', (opts, expected) => {
    expect(containerCapabilities(opts)).toEqual(expected);
  });

  it('ALL in CapAdd gives every capability but the dropped ones', () => {
    const caps = containerCapabilities({ capAdd: ['ALL'], capDrop: ['MKNOD'] });
    expect(caps).toEqual(allCapabilities().filter((c) => c !== 'CAP_MKNOD'));
  });

  it('privileged ignores add/drop and grants all', () => {
    expect(containerCapabilities({ privileged: true, capDrop: ['ALL'] })).toEqual(allCapabilities());
    expect(allCapabilities()).toContain('CAP_SYS_ADMIN');
  });

  it('rejects unknown names with dockerd wording', () => {
    expect(() => normalizeCapabilities(['foo'])).toThrow('unknown capability: "CAP_FOO"');
    expect(() => containerCapabilities({ capDrop: ['CAP_NOPE'] })).toThrow(/unknown capability/);
  });

  it('non-root processes get only the bounding set', () => {
    expect(processCapabilities(['CAP_CHOWN'], 0)).toEqual({
      bounding: ['CAP_CHOWN'],
      effective: ['CAP_CHOWN'],
      permitted: ['CAP_CHOWN'],
    });
    expect(processCapabilities(['CAP_CHOWN'], 1000)).toEqual({
      bounding: ['CAP_CHOWN'],
      effective: [],
      permitted: [],
    });
  });

  it('reads the bounding set from /proc status text', () => {
    expect(ownBoundingSet('Name:\tx\nCapBnd:\t000001fffeffffff\n')).toBe(0x1fffeffffffn);
  });
});
