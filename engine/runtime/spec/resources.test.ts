import { describe, expect, it } from 'vitest';
import { linuxResources, ownNofileHardLimit, processRlimits, validateResources } from './resources.js';

describe('resources', () => {
  it.each([
    [{ Memory: 1024 }, 'Minimum memory limit allowed is 6MB'],
    [
      { MemorySwap: 100 << 20 },
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    ],
    [
      { Memory: 100 << 20, MemorySwap: 50 << 20 },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    ],
    [{ MemoryReservation: 1 << 20 }, 'Minimum memory reservation allowed is 6MB'],
    [
      { Memory: 10 << 20, MemoryReservation: 20 << 20 },
      'Minimum memory limit can not be less than memory reservation limit, see usage',
    ],
    [{ NanoCpus: 3e9 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ NanoCpus: 1e6 }, 'Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ NanoCpus: 1e9, CpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [{ NanoCpus: 1e9, CpuPeriod: 50000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
    [
      { CpuPeriod: 10 },
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
    ],
    [{ BlkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000'],
    [{ OomScoreAdj: 2000 }, 'Invalid value 2000, range for oom score adj is [-1000, 1000]'],
    [{ MemorySwappiness: 101 }, 'Invalid value: 101, valid memory swappiness range is 0-100'],
    [{ CpusetCpus: '0-' }, 'Invalid value 0- for cpuset cpus'],
    [{ Ulimits: [{ Name: 'bogus', Soft: 1, Hard: 1 }] }, 'invalid ulimit type: bogus'],
  ])('%j → %s', (hc, message) => {
    expect(() => validateResources(hc, { cpus: 2 })).toThrow(message);
  });

  it('converts to OCI resources', () => {
    expect(
      linuxResources(
        {
          Memory: 64 << 20,
          MemoryReservation: 32 << 20,
          NanoCpus: 1.5e9,
          CpuShares: 512,
          CpusetCpus: '0',
          PidsLimit: 100,
          BlkioWeight: 300,
        },
        { cpus: 2 },
      ),
    ).toEqual({
      memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20 },
      cpu: { period: 100000, quota: 150000, shares: 512, cpus: '0' },
      pids: { limit: 100 },
      blockIO: { weight: 300 },
    });
    expect(linuxResources({ Memory: 64 << 20, MemorySwap: -1 }, { cpus: 2 }).memory).toEqual({
      limit: 64 << 20,
      swap: -1,
    });
    expect(linuxResources({ Memory: 64 << 20 }, { cpus: 2, swapLimit: false }).memory).toEqual({
      limit: 64 << 20,
    });
    expect(linuxResources({ PidsLimit: -1 }, { cpus: 2 }).pids).toEqual({ limit: -1 });
    expect(linuxResources({}, { cpus: 2 })).toEqual({});
  });

  it('rlimits: NOFILE default, ulimits override and extend', () => {
    expect(
      processRlimits(
        [
          { Name: 'nofile', Soft: 10, Hard: 20 },
          { Name: 'nproc', Soft: 5, Hard: 5 },
        ],
        1048576,
      ),
    ).toEqual([
      { type: 'RLIMIT_NOFILE', soft: 10, hard: 20 },
      { type: 'RLIMIT_NPROC', soft: 5, hard: 5 },
    ]);
    expect(processRlimits(null, 1048576)).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]);
    expect(processRlimits(null, 0)).toEqual([]);
  });

  it('reads the hard NOFILE limit', () => {
    expect(
      ownNofileHardLimit(
        'Limit Soft Limit Hard Limit Units\nMax open files            1024                 20000                files\n',
      ),
    ).toBe(20000);
  });
});
