/**
 * RegistryClient.hints()/learn(): a second client (the pull helper's) started from the first one's
 * knowledge fetches a blob from a token-auth registry without a second token request, and goes
 * straight to HTTP for a plain-HTTP loopback registry.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushImage, type FixtureImage } from '../../test/support/images.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { parseReference } from '../reference/index.js';
import { RegistryClient } from './client.js';
import type { RegistryConfig } from './endpoints.js';

let reg: TestRegistry;
let img: FixtureImage;
const config: RegistryConfig = {
  mirrors: [],
  insecureRegistries: [],
  hubOrigin: 'http://127.0.0.1:9',
  dockerConfigDir: '/nonexistent-berth-docker-config',
};

beforeAll(async () => {
  reg = await startRegistry({ auth: 'token' });
  img = await pushImage(reg, 'private', 'latest', [
    { entries: [{ name: 'f', content: randomBytes(10_000) }] },
  ]);
}, 120_000);

afterAll(async () => {
  await reg?.stop();
});

async function sha256Of(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of stream) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}

describe('registry hints', () => {
  it("lets a second client reuse the first one's endpoint, challenge and token", async () => {
    const auth = { username: reg.username, password: reg.password };
    const ref = parseReference(`${reg.host}/private:latest`);
    const first = new RegistryClient(config);
    const resolved = await first.resolve(ref, { auth });
    const hints = first.hints();
    first.close();
    expect(Object.values(hints.tokens)).toHaveLength(1);
    expect(Object.values(hints.challenges)[0]?.scheme).toBe('bearer');
    // Plain data: it crosses a process boundary as JSON.
    const copied = JSON.parse(JSON.stringify(hints)) as typeof hints;

    const tokensBefore = reg.token!.requests.length;
    const second = new RegistryClient(config);
    second.learn(copied);
    const layer = resolved.layers[0]!;
    expect(await sha256Of(await second.fetchBlob(ref, layer, { auth }))).toBe(img.layers[0]!.digest);
    second.close();
    expect(reg.token!.requests.length).toBe(tokensBefore);
  });
});
