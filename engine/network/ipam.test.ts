import { describe, expect, it } from 'vitest';
import {
  allocateAddress,
  checkAddress,
  intToIp,
  ipToInt,
  macFor,
  nextFreeSubnet,
  parseSubnet,
  formatSubnet,
} from './ipam.js';

describe('ipam', () => {
  it('round-trips addresses and subnets', () => {
    expect(intToIp(ipToInt('172.17.0.2'))).toBe('172.17.0.2');
    expect(formatSubnet(parseSubnet('10.1.2.3/24'))).toBe('10.1.2.0/24');
    expect(() => parseSubnet('fd00::/64')).toThrow(/only IPv4/);
    expect(() => ipToInt('1.2.3.256')).toThrow(/invalid IPv4/);
  });

  it('allocates the lowest free address, skipping the gateway', () => {
    const s = parseSubnet('172.18.0.0/16');
    const gw = ipToInt('172.18.0.1');
    expect(intToIp(allocateAddress(s, gw, new Set()))).toBe('172.18.0.2');
    expect(intToIp(allocateAddress(s, gw, new Set([ipToInt('172.18.0.2')])))).toBe('172.18.0.3');
    const tiny = parseSubnet('10.0.0.0/30');
    expect(() => allocateAddress(tiny, ipToInt('10.0.0.1'), new Set([ipToInt('10.0.0.2')]))).toThrow(
      /no available/,
    );
    expect(() => checkAddress(s, gw, new Set(), ipToInt('10.0.0.5'))).toThrow(/no configured subnet/);
  });

  it('picks pool subnets that do not overlap existing ones', () => {
    expect(formatSubnet(nextFreeSubnet([parseSubnet('172.17.0.0/16')]))).toBe('172.18.0.0/16');
    expect(formatSubnet(nextFreeSubnet([parseSubnet('172.16.0.0/12')]))).toBe('192.168.0.0/20');
  });

  it('derives docker-style MACs', () => {
    expect(macFor(ipToInt('172.17.0.2'))).toBe('02:42:ac:11:00:02');
  });
});
