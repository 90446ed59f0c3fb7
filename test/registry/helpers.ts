/** Shared bits for the registry client's integration tests. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { RegistryClient, type RegistryConfig } from '../../engine/registry/index.js';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** A client that can never reach Docker Hub: its origin is a closed loopback port unless given. */
export function testClient(cfg: Partial<RegistryConfig> = {}): RegistryClient {
  return new RegistryClient({
    mirrors: [],
    insecureRegistries: [],
    hubOrigin: 'http://127.0.0.1:9',
    dockerConfigDir: '/nonexistent-berth-docker-config',
    ...cfg,
  });
}
