import { describe, it, expect } from 'vitest';
import {
  endpointsFor,
  ipInCidr,
  isInsecureHost,
  isLoopback,
  mirrorEndpoint,
  splitHostPort,
} from './endpoints.js';

const cfg = {
  mirrors: ['http://127.0.0.1:5001', 'mirror.example.com/prefix/'],
  insecureRegistries: ['10.0.0.0/8', 'reg.local:5000'],
};

describe('endpoints', () => {
  it('splits host and port', () => {
    expect(splitHostPort('127.0.0.1:5000')).toEqual({ hostname: '127.0.0.1', port: '5000' });
    expect(splitHostPort('[::1]:5000')).toEqual({ hostname: '::1', port: '5000' });
    expect(splitHostPort('example.com')).toEqual({ hostname: 'example.com' });
  });

  it('matches CIDRs', () => {
    expect(ipInCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(ipInCidr('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(ipInCidr('fd00::1', 'fd00::/8')).toBe(true);
    expect(ipInCidr('fe00::1', 'fd00::/8')).toBe(false);
    expect(ipInCidr('10.1.2.3', 'fd00::/8')).toBe(false);
  });

  it('treats loopback and listed registries as insecure', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.5.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('example.com')).toBe(false);
    expect(isInsecureHost('127.0.0.1:5000', [])).toBe(true);
    expect(isInsecureHost('[::1]:5000', [])).toBe(true);
    expect(isInsecureHost('10.2.3.4:443', cfg.insecureRegistries)).toBe(true);
    expect(isInsecureHost('reg.local:5000', cfg.insecureRegistries)).toBe(true);
    expect(isInsecureHost('reg.local:6000', cfg.insecureRegistries)).toBe(false);
    expect(isInsecureHost('example.com', cfg.insecureRegistries)).toBe(false);
  });

  it('lists mirrors then the origin for Docker Hub', () => {
    const eps = endpointsFor('docker.io', cfg, true);
    expect(eps.map((e) => e.base)).toEqual([
      'http://127.0.0.1:5001',
      'https://mirror.example.com/prefix',
      'https://registry-1.docker.io',
    ]);
    expect(eps[0].insecure).toBe(true);
    expect(endpointsFor('docker.io', cfg, false).map((e) => e.base)).toEqual([
      'https://registry-1.docker.io',
    ]);
    expect(mirrorEndpoint('https://m.example.com', []).mirror).toBe(true);
  });

  it('tries HTTPS then HTTP for insecure registries only', () => {
    expect(endpointsFor('127.0.0.1:5000', cfg, true).map((e) => e.base)).toEqual([
      'https://127.0.0.1:5000',
      'http://127.0.0.1:5000',
    ]);
    expect(endpointsFor('example.com', cfg, true).map((e) => e.base)).toEqual(['https://example.com']);
  });
});
