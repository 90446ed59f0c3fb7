/** One registry + engine per test file with the busybox fixture pulled, and small docker helpers. */
import { expect } from 'vitest';
import { startEngine, type DockerResult, type TestEngine } from '../support/engine.js';
import { pushFixtureImages } from '../support/images.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

export interface Setup {
  reg: TestRegistry;
  eng: TestEngine;
  /** The busybox fixture (already pulled). */
  img: string;
  stop(): Promise<void>;
}

export async function setup(): Promise<Setup> {
  const reg = await startRegistry();
  const fx = await pushFixtureImages(reg);
  const eng = await startEngine({ config: { 'insecure-registries': [reg.host] } });
  await ok(eng, ['pull', '-q', fx.busybox.ref]);
  return {
    reg,
    eng,
    img: fx.busybox.ref,
    async stop() {
      await eng.stop();
      await reg.stop();
    },
  };
}

export async function ok(
  eng: TestEngine,
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<DockerResult> {
  const res = await eng.docker(args, opts);
  expect(res.code, `docker ${args.join(' ')}\n${res.stderr}\n${res.stdout}`).toBe(0);
  return res;
}

export async function fails(eng: TestEngine, args: string[]): Promise<string> {
  const res = await eng.docker(args);
  expect(res.code, `docker ${args.join(' ')} should fail\n${res.stdout}`).not.toBe(0);
  return res.stderr;
}

/** Polls `fn` until it returns a truthy value (or fails after `ms`). */
export async function until<T>(fn: () => Promise<T>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
