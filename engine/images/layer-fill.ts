/**
 * One layer's data path: the blob (from the registry, or from the content store when only the unpacked
 * form is missing) streams once through the digest check into both the content store and the unpacker.
 * It runs in the pull helper process (pull-helper.ts); everything it needs travels in a `LayerJob`.
 */
import type { Readable } from 'node:stream';
import type { AuthConfig } from '../registry/credentials.js';
import type { RegistryClient, RegistryHints } from '../registry/client.js';
import type { RegistryConfig } from '../registry/endpoints.js';
import type { Descriptor } from '../registry/manifest.js';
import type { Reference } from '../reference/index.js';
import type { ContentStore } from '../store/content-store.js';
import type { UnpackedLayer } from '../store/layer-store.js';
import { compressionFromMediaType, decompress } from '../store/compression.js';
import { unpackLayer } from '../store/unpack.js';
import { SystemError } from '../errors.js';
import { BlobVerificationError } from '../registry/blob-stream.js';

/** Plain data (it crosses a process boundary as JSON). */
export interface LayerJob {
  dataRoot: string;
  registry: RegistryConfig;
  /** What the engine's registry client already knows (endpoints, challenges, tokens, credentials). */
  hints: RegistryHints;
  ref: Reference;
  /** The layer's descriptor: only these fields (a descriptor may carry annotations, urls…). */
  desc: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>;
  auth?: AuthConfig;
  /** The empty directory to unpack into (the layer store's temporary diff directory). */
  dir: string;
  /** Where the blob is written until it is verified (the engine removes it if the helper dies). */
  ingestPath: string;
  overlayXattrNamespace: 'trusted' | 'user';
  applyOwnership: boolean;
}

export interface LayerHooks {
  /** Compressed bytes received so far (registry downloads only). */
  onProgress(bytes: number): void;
  /** The blob is verified and in the content store. */
  onStored(): void;
}

export async function fillLayer(
  deps: { registry: RegistryClient; content: ContentStore },
  job: LayerJob,
  hooks: LayerHooks,
  signal: AbortSignal,
): Promise<UnpackedLayer> {
  const { desc } = job;
  const compression = compressionFromMediaType(desc.mediaType);
  if (!compression) throw new SystemError(`unsupported layer media type ${desc.mediaType} (${desc.digest})`);
  const haveBlob = await deps.content.has(desc.digest);
  const source: Readable = haveBlob
    ? deps.content.openRead(desc.digest)
    : await deps.registry.fetchBlob(job.ref, desc, { auth: job.auth, signal, onProgress: hooks.onProgress });
  const tar = decompress(compression);
  // The registry stream verifies the digest (and errors before its end otherwise): no second hash.
  const ingest = haveBlob
    ? undefined
    : deps.content.ingest({ ...desc, verifiedBySource: true }, job.ingestPath);
  source.on('error', (err) => {
    tar.destroy(err);
    ingest?.destroy(err);
  });
  // Their errors reach the unpacker and `received` below; a late one (after those stopped listening)
  // must not become an uncaught exception.
  tar.on('error', () => undefined);
  ingest?.on('error', () => undefined);
  if (ingest) source.pipe(ingest);
  source.pipe(tar);
  let failed = false;
  const received = ingest
    ? new Promise<void>((resolve, reject) => {
        ingest.once('finish', resolve);
        ingest.once('error', reject);
        // Destroyed without an error (aborted): no 'finish' will come (after one, this is a no-op).
        ingest.once('close', () => reject(new SystemError(`download of ${desc.digest} aborted`)));
      })
    : Promise.resolve();
  const stored = received.then(async () => {
    if (!ingest || failed) return;
    await ingest.commit();
    hooks.onStored();
  });
  const unpacked = unpackLayer(tar, job.dir, {
    overlayXattrNamespace: job.overlayXattrNamespace,
    applyOwnership: job.applyOwnership,
    signal,
  });
  try {
    const [result] = await Promise.all([unpacked, stored]);
    return result;
  } catch (err) {
    failed = true;
    let cause = err;
    if (ingest && !(err instanceof BlobVerificationError)) {
      // Corrupt bytes usually break the decompressor long before the digest check at the blob's end:
      // let the download finish so that the real cause, a verification error, is the one reported.
      const fromDownload = await received.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (fromDownload instanceof BlobVerificationError) cause = fromDownload;
    }
    source.destroy();
    tar.destroy();
    if (ingest) await ingest.abort();
    // Both halves settle before the caller removes the directory and the ingest.
    await Promise.allSettled([unpacked, stored]);
    throw cause;
  }
}
