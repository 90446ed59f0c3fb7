/**
 * Manifest and index media types and their parsing. A manifest body comes from an untrusted registry:
 * it is size-limited by the caller and every field we rely on is checked here.
 */
import { SystemError } from '../errors.js';
import { isDigest } from '../reference/index.js';

export const MediaType = {
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerLayerForeign: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
} as const;

/** What we send as Accept when fetching a manifest (indexes first, like docker). */
export const MANIFEST_ACCEPT = [
  MediaType.OciIndex,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.DockerManifest,
].join(', ');

/** Manifest bodies larger than this are refused (a hostile registry must not exhaust memory). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

function isIndexType(t: string): boolean {
  return t === MediaType.OciIndex || t === MediaType.DockerManifestList;
}

function isManifestType(t: string): boolean {
  return t === MediaType.OciManifest || t === MediaType.DockerManifest;
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  if (!d || typeof d !== 'object') throw new SystemError(`invalid manifest: ${what} is not an object`);
  const o = d as Record<string, unknown>;
  if (typeof o.digest !== 'string' || !isDigest(o.digest)) {
    throw new SystemError(`invalid manifest: ${what} has an invalid digest`);
  }
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw new SystemError(`invalid manifest: ${what} has an invalid size`);
  }
  if (typeof o.mediaType !== 'string') {
    throw new SystemError(`invalid manifest: ${what} has no mediaType`);
  }
  return o as unknown as Descriptor;
}

/**
 * Parses a manifest body. The media type is taken from the body's `mediaType` field, else from the
 * Content-Type header, else inferred from the shape (OCI allows omitting it).
 */
export function parseManifest(body: Buffer, contentType?: string): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SystemError('invalid manifest: not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SystemError('invalid manifest: not a JSON object');
  }
  const o = doc as Record<string, unknown>;
  const header = contentType?.split(';')[0].trim().toLowerCase();
  let mediaType = typeof o.mediaType === 'string' ? o.mediaType : undefined;
  if (
    o.schemaVersion === 1 ||
    mediaType === MediaType.DockerSchema1 ||
    header?.startsWith(MediaType.DockerSchema1)
  ) {
    throw new SystemError(
      'unsupported manifest format: Docker Image manifest version 2, schema 1 is no longer supported; ' +
        'the image must be pushed again with a newer client',
    );
  }
  if (!mediaType && header && (isIndexType(header) || isManifestType(header))) mediaType = header;
  if (!mediaType) {
    if (Array.isArray(o.manifests)) mediaType = MediaType.OciIndex;
    else if (o.config && Array.isArray(o.layers)) mediaType = MediaType.OciManifest;
    else throw new SystemError('invalid manifest: missing mediaType');
  }
  if (o.schemaVersion !== 2)
    throw new SystemError(`invalid manifest: unsupported schemaVersion ${String(o.schemaVersion)}`);
  if (isIndexType(mediaType)) {
    if (!Array.isArray(o.manifests)) throw new SystemError('invalid manifest: index has no manifests');
    o.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
    return { kind: 'index', mediaType, index: o as unknown as ImageIndex };
  }
  if (isManifestType(mediaType)) {
    checkDescriptor(o.config, 'config');
    if (!Array.isArray(o.layers)) throw new SystemError('invalid manifest: no layers');
    o.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`));
    return { kind: 'manifest', mediaType, manifest: o as unknown as ImageManifest };
  }
  throw new SystemError(`unsupported manifest media type: ${mediaType}`);
}
