import { describe, expect, it } from 'vitest';
import { MediaType, parseManifest } from './manifest.js';

const desc = (mediaType: string) => ({ mediaType, digest: `sha256:${'a'.repeat(64)}`, size: 10 });
const j = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('parseManifest', () => {
  it('parses Docker and OCI manifests and indexes', () => {
    const m = parseManifest(
      j({
        schemaVersion: 2,
        mediaType: MediaType.DockerManifest,
        config: desc(MediaType.DockerConfig),
        layers: [desc(MediaType.DockerLayerGzip)],
      }),
    );
    expect(m.kind).toBe('manifest');
    const i = parseManifest(
      j({
        schemaVersion: 2,
        mediaType: MediaType.DockerManifestList,
        manifests: [desc(MediaType.DockerManifest)],
      }),
    );
    expect(i.kind).toBe('index');
  });

  it('takes the media type from Content-Type or the shape when the body has none', () => {
    const body = j({ schemaVersion: 2, config: desc(MediaType.OciConfig), layers: [] });
    expect(parseManifest(body, 'application/vnd.oci.image.manifest.v1+json; charset=utf-8').mediaType).toBe(
      MediaType.OciManifest,
    );
    expect(parseManifest(body).mediaType).toBe(MediaType.OciManifest);
    expect(parseManifest(j({ schemaVersion: 2, manifests: [] })).mediaType).toBe(MediaType.OciIndex);
  });

  it('rejects malformed manifests', () => {
    expect(() => parseManifest(Buffer.from('{'))).toThrow('not valid JSON');
    expect(() => parseManifest(Buffer.from('[]'))).toThrow('not a JSON object');
    expect(() => parseManifest(j({ schemaVersion: 1 }))).toThrow(/schema 1/);
    expect(() => parseManifest(j({ schemaVersion: 2 }))).toThrow('missing mediaType');
    expect(() => parseManifest(j({ schemaVersion: 2, mediaType: 'x/y' }))).toThrow(
      'unsupported manifest media type: x/y',
    );
    expect(() =>
      parseManifest(
        j({
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: { ...desc('c'), digest: 'sha256:zz' },
          layers: [],
        }),
      ),
    ).toThrow('config has an invalid digest');
    expect(() =>
      parseManifest(
        j({
          schemaVersion: 2,
          mediaType: MediaType.OciManifest,
          config: desc('c'),
          layers: [{ ...desc('l'), size: -1 }],
        }),
      ),
    ).toThrow('layers[0] has an invalid size');
    expect(() =>
      parseManifest(j({ schemaVersion: 3, mediaType: MediaType.OciIndex, manifests: [] })),
    ).toThrow('schemaVersion');
  });
});
