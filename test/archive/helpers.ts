/** Archive builders for the import/save/load tests: rootfs tars, legacy and OCI layouts, hostile tars. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import { buildTar, type TarEntry } from '../support/layers.js';
import { busyboxEntries } from '../support/images.js';

export const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
export const hex = (d: string) => d.replace(/^sha256:/, '');

/** The busybox root filesystem as an uncompressed tar, plus `extra` entries. */
export function rootfsTar(extra: TarEntry[] = []): Promise<Buffer> {
  return buildTar([...busyboxEntries(), ...extra]);
}

export interface RawEntry {
  name: string;
  type?: Header['type'];
  content?: Buffer | string;
  linkname?: string;
}

/** A tar of raw entries (names kept exactly, so hostile names stay hostile). */
export function rawTar(entries: RawEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pack = tarPack();
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    for (const e of entries) {
      const type = e.type ?? 'file';
      const content = type === 'file' ? Buffer.from(e.content ?? '') : undefined;
      const header: Partial<Header> & { name: string } = {
        name: e.name,
        type,
        mode: type === 'directory' ? 0o755 : 0o644,
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        size: content?.length ?? 0,
        mtime: new Date(0),
      };
      if (content) pack.entry(header, content);
      else pack.entry(header);
    }
    pack.finalize();
  });
}

export interface ImageParts {
  layers: Buffer[]; // uncompressed layer tars
  config: Buffer;
  configDigest: string;
}

/** An image config over the given layer tars. */
export function imageParts(layers: Buffer[], extra: Record<string, unknown> = {}): ImageParts {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-02-01T00:00:00Z',
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
      history: layers.map(() => ({ created: '2024-02-01T00:00:00Z', created_by: 'test' })),
      ...extra,
    }),
  );
  return { layers, config, configDigest: sha256(config) };
}

/**
 * docker's pre-v25 save layout: `<v1id>/layer.tar` (+ `json`, `VERSION`), `<config hex>.json`,
 * `manifest.json`, `repositories`. A layer already written for an earlier image becomes a symlink to
 * the first copy, as old docker did.
 */
export function legacyArchive(images: Array<{ parts: ImageParts; tags: string[] }>): Promise<Buffer> {
  const entries: RawEntry[] = [];
  const written = new Map<string, string>();
  const manifest: object[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { parts, tags } of images) {
    const layerPaths: string[] = [];
    let parent = '';
    parts.layers.forEach((tar, i) => {
      const v1id = hex(sha256(`${parent} ${sha256(tar)} ${hex(parts.configDigest)} ${i}`));
      entries.push({ name: `${v1id}/`, type: 'directory' });
      entries.push({ name: `${v1id}/VERSION`, content: '1.0' });
      entries.push({
        name: `${v1id}/json`,
        content: JSON.stringify({ id: v1id, parent: parent || undefined }),
      });
      const first = written.get(sha256(tar));
      if (first)
        entries.push({ name: `${v1id}/layer.tar`, type: 'symlink', linkname: `../${first}/layer.tar` });
      else {
        entries.push({ name: `${v1id}/layer.tar`, content: tar });
        written.set(sha256(tar), v1id);
      }
      layerPaths.push(`${v1id}/layer.tar`);
      parent = v1id;
    });
    entries.push({ name: `${hex(parts.configDigest)}.json`, content: parts.config });
    manifest.push({ Config: `${hex(parts.configDigest)}.json`, RepoTags: tags, Layers: layerPaths });
    for (const t of tags) {
      const [repo, tag] = t.split(':') as [string, string];
      (repositories[repo] ??= {})[tag] = parent;
    }
  }
  entries.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  entries.push({ name: 'repositories', content: JSON.stringify(repositories) });
  return rawTar(entries);
}

/** A pure OCI image layout (no manifest.json) with gzip layers and a tag annotation. */
export function ociArchive(
  parts: ImageParts,
  name: string,
): Promise<{ tar: Buffer; manifestDigest: string }> {
  const blobs = parts.layers.map((l) => gzipSync(l));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: parts.configDigest,
        size: parts.config.length,
      },
      layers: blobs.map((b) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha256(b),
        size: b.length,
      })),
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifest.length,
        annotations: {
          'io.containerd.image.name': name,
          'org.opencontainers.image.ref.name': name.split(':').pop(),
        },
      },
    ],
  };
  const entries: RawEntry[] = [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: JSON.stringify(index) },
    ...[manifest, parts.config, ...blobs].map((b) => ({
      name: `blobs/sha256/${hex(sha256(b))}`,
      content: b,
    })),
  ];
  return rawTar(entries).then((tar) => ({ tar, manifestDigest }));
}
