/** Shared bits of the image conformance suites: JSON listings through the CLI, layer paths, leftovers. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chainIds } from '../../engine/store/digest.js';
import type { DockerResult, TestEngine } from '../support/engine.js';
import type { FixtureImage } from '../support/images.js';

/** Runs a docker command and fails the test (showing stderr) unless it exits 0. */
export async function dockerOk(eng: TestEngine, args: string[], timeoutMs?: number): Promise<DockerResult> {
  const res = await eng.docker(args, { timeoutMs });
  expect(res.code, `docker ${args.join(' ')}\n${res.stderr}\n${res.stdout}`).toBe(0);
  return res;
}

/** Runs a docker command that must fail; returns its stderr. */
export async function dockerFails(eng: TestEngine, args: string[]): Promise<string> {
  const res = await eng.docker(args);
  expect(res.code, `docker ${args.join(' ')} should fail\n${res.stdout}`).not.toBe(0);
  return res.stderr;
}

export interface ListedImage {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  Size: string;
  CreatedAt: string;
}

/** `docker image ls --format '{{json .}}' …args`, parsed. */
export async function imageLs(eng: TestEngine, args: string[] = []): Promise<ListedImage[]> {
  const res = await dockerOk(eng, ['image', 'ls', '--no-trunc', '--format', '{{json .}}', ...args]);
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ListedImage);
}

/** `repo:tag` strings of the listing (`<none>:<none>` for dangling images). */
export async function lsNames(eng: TestEngine, args: string[] = []): Promise<string[]> {
  return (await imageLs(eng, args)).map((i) => `${i.Repository}:${i.Tag}`).sort();
}

/** Chain IDs of a fixture's layers. */
export function fixtureChain(img: FixtureImage): string[] {
  return chainIds(img.layers.map((l) => l.diffId));
}

/** The unpacked directory of a layer in an engine's data root. */
export function layerDiffDir(dataRoot: string, chainId: string): string {
  return join(dataRoot, 'layers', chainId.replace(/^sha256:/, ''), 'diff');
}

export function blobPath(dataRoot: string, digest: string): string {
  return join(dataRoot, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

/** Names in a directory (empty when it does not exist). */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Asserts the data root holds no half-written state: no ingests, no layer temp dirs, no temp metadata. */
export function expectNoLeftovers(dataRoot: string): void {
  expect(entries(join(dataRoot, 'ingest'))).toEqual([]);
  expect(entries(join(dataRoot, 'layers', '.tmp'))).toEqual([]);
  expect(entries(join(dataRoot, 'metadata')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
}

/** images.json parsed (it must always be valid JSON). */
export function readImagesJson(dataRoot: string): {
  images: Record<string, { layers: Array<{ chainId: string; digest: string }> }>;
  refs: Record<string, string>;
} {
  const file = join(dataRoot, 'metadata', 'images.json');
  if (!existsSync(file)) return { images: {}, refs: {} };
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Every record in images.json points at layers and blobs that exist. */
export function expectConsistentStore(dataRoot: string): void {
  const meta = readImagesJson(dataRoot);
  for (const [ref, id] of Object.entries(meta.refs)) expect(meta.images[id], `ref ${ref}`).toBeDefined();
  for (const [id, img] of Object.entries(meta.images)) {
    expect(existsSync(blobPath(dataRoot, id)), `config of ${id}`).toBe(true);
    for (const l of img.layers) {
      expect(existsSync(layerDiffDir(dataRoot, l.chainId)), `layer ${l.chainId} of ${id}`).toBe(true);
      expect(existsSync(blobPath(dataRoot, l.digest)), `blob ${l.digest} of ${id}`).toBe(true);
    }
  }
}

/** A streaming GET on the engine socket collecting JSON lines until `close()` or the server ends it. */
export function streamJson(
  eng: TestEngine,
  path: string,
): { lines: Array<Record<string, unknown>>; ended: Promise<number>; ready: Promise<void>; close(): void } {
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  let req: http.ClientRequest;
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const ended = new Promise<number>((resolve, reject) => {
    req = http.request({ socketPath: eng.socket, path, method: 'GET', agent: false }, (res) => {
      readyResolve();
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      });
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('close', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e) => {
      readyResolve();
      reject(e);
    });
    req.end();
  });
  ended.catch(() => undefined);
  return { lines, ended, ready, close: () => req.destroy() };
}

/** Polls `cond` until it holds or `ms` pass. */
export async function waitFor(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
