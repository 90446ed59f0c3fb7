import { describe, expect, it } from 'vitest';
import { cgroupLimitFlags, specAdapter } from './adapters.js';

describe('limits without cgroups (rootless)', () => {
  it('names the flags that ask for a cgroup limit; the CLI defaults do not count', () => {
    expect(cgroupLimitFlags({ Memory: 0, NanoCpus: 0, MemorySwappiness: -1, PidsLimit: null })).toEqual([]);
    expect(
      cgroupLimitFlags({
        Memory: 64 << 20,
        NanoCpus: 5e8,
        CpusetCpus: '0',
        OomKillDisable: true,
        PidsLimit: 10,
      }),
    ).toEqual(['--memory', '--oom-kill-disable', '--cpus', '--cpuset-cpus', '--pids-limit']);
  });

  it('warns only when running rootless without delegated cgroups', () => {
    const hc = { Memory: 64 << 20 };
    expect(specAdapter().limitWarnings!(hc)).toEqual([]);
    const rootless = {
      uidMap: [{ containerID: 0, hostID: 1000, size: 1 }],
      gidMap: [{ containerID: 0, hostID: 1000, size: 1 }],
      hostUid: 1000,
      hostGid: 1000,
      cgroups: false,
    };
    expect(specAdapter({ rootless }).limitWarnings!(hc)).toEqual([
      'Resource limits are not supported in rootless mode without cgroup v2 delegation and are ignored: --memory',
    ]);
    expect(specAdapter({ rootless: { ...rootless, cgroups: true } }).limitWarnings!(hc)).toEqual([]);
  });
});
