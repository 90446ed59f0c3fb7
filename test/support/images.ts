/**
 * Fixture images for tests, built from Debian's busybox-static and pushed to a TestRegistry with
 * our own DistributionClient. Everything is deterministic (fixed mtimes, fixed `created` dates)
 * except the generated large images for benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DistributionClient } from './distribution.js';
import {
  buildLayer as buildLayerImpl,
  sha256,
  type BuiltLayer,
  type Compression,
  type TarEntry,
} from './layers.js';
import { blobDataPath, type TestRegistry } from './registry.js';

export type { BuiltLayer, Compression, TarEntry } from './layers.js';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

export interface FixtureLayer {
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  tar: Buffer; // uncompressed
}

export interface ImageConfig {
  created: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: {
    Env?: string[];
    Cmd?: string[];
    Entrypoint?: string[];
    WorkingDir?: string;
    User?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
}

export interface FixtureImage {
  repo: string;
  tag: string; // '' when pushed by digest only
  ref: string; // host/repo:tag, or host/repo@digest when pushed by digest
  manifestDigest: string;
  manifestMediaType: string;
  /** The exact manifest bytes pushed. */
  manifest: Buffer;
  configDigest: string;
  config: ImageConfig;
  layers: FixtureLayer[];
  indexDigest?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** A prebuilt layer, or entries to build one from. */
export type LayerSpec = BuiltLayer | { entries: TarEntry[]; compression?: Compression };

export interface PushImageOptions {
  format?: 'docker' | 'oci';
  config?: Partial<ImageConfig>;
  platform?: Platform;
}

export function buildLayer(entries: TarEntry[], compression: Compression = 'gzip'): Promise<BuiltLayer> {
  return buildLayerImpl(entries, compression);
}

const clients = new WeakMap<TestRegistry, DistributionClient>();
/** The (cached, token-reusing) client for a registry. */
export function clientFor(reg: TestRegistry): DistributionClient {
  let c = clients.get(reg);
  if (!c) clients.set(reg, (c = new DistributionClient(reg)));
  return c;
}

/**
 * Pushes layers, config and manifest. `tag` null pushes by digest only (for index children).
 */
export async function pushImage(
  reg: TestRegistry,
  repo: string,
  tag: string | null,
  layers: LayerSpec[],
  opts: PushImageOptions = {},
): Promise<FixtureImage> {
  const format = opts.format ?? 'docker';
  const client = clientFor(reg);
  const built = await Promise.all(
    layers.map((l) =>
      'blob' in l ? Promise.resolve(l) : buildLayerImpl(l.entries, l.compression ?? 'gzip'),
    ),
  );
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const created = opts.config?.created ?? '2024-01-01T00:00:00Z';
  const config: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    ...opts.config,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      ...opts.config?.config,
    },
    rootfs: { type: 'layers', diff_ids: built.map((l) => l.diffId) },
    history: opts.config?.history ?? [
      ...built.map((l, i) => ({
        created,
        created_by: `/bin/sh -c #(nop) ADD file:${l.diffId.slice(7, 19)} in / # layer ${i}`,
      })),
      { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
    ],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configBytes);

  // Upload sequentially per registry to keep ordering simple; layers are small except in benchmarks.
  for (const l of built) await client.pushBlob(repo, l.blob, l.digest);
  await client.pushBlob(repo, configBytes, configDigest);

  const manifestMediaType = format === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest;
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestMediaType,
    config: {
      mediaType: format === 'docker' ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig,
      digest: configDigest,
      size: configBytes.length,
    },
    layers: built.map((l) => ({
      mediaType:
        format === 'docker' && l.mediaType.endsWith('+gzip') ? MEDIA_TYPES.dockerLayerGzip : l.mediaType,
      digest: l.digest,
      size: l.size,
    })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 3));
  const manifestDigest = sha256(manifestBytes);
  await client.putManifest(repo, tag ?? manifestDigest, manifestBytes, manifestMediaType);
  return {
    repo,
    tag: tag ?? '',
    ref: tag ? `${reg.host}/${repo}:${tag}` : `${reg.host}/${repo}@${manifestDigest}`,
    manifestDigest,
    manifestMediaType,
    manifest: manifestBytes,
    configDigest,
    config,
    layers: built.map((l) => ({
      digest: l.digest,
      diffId: l.diffId,
      size: l.size,
      mediaType: l.mediaType,
      tar: l.tar,
    })),
  };
}

/** Pushes an OCI index over images already pushed to `repo`, and sets their `indexDigest`. */
export async function pushIndex(
  reg: TestRegistry,
  repo: string,
  tag: string,
  images: FixtureImage[],
  opts: { format?: 'docker' | 'oci' } = {},
): Promise<{ indexDigest: string; mediaType: string; index: Buffer; ref: string }> {
  const mediaType = opts.format === 'docker' ? MEDIA_TYPES.dockerManifestList : MEDIA_TYPES.ociIndex;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: images.map((img) => ({
      mediaType: img.manifestMediaType,
      digest: img.manifestDigest,
      size: img.manifest.length,
      platform: {
        architecture: img.config.architecture,
        os: img.config.os,
        ...(img.config.variant ? { variant: img.config.variant } : {}),
      },
    })),
  };
  const bytes = Buffer.from(JSON.stringify(index, null, 3));
  const indexDigest = await clientFor(reg).putManifest(repo, tag, bytes, mediaType);
  for (const img of images) img.indexDigest = indexDigest;
  return { indexDigest, mediaType, index: bytes, ref: `${reg.host}/${repo}:${tag}` };
}

const layerCache = new Map<string, Promise<BuiltLayer>>();
/** Builds a deterministic layer once per process (fixture layers are pushed to many registries). */
function cachedLayer(
  key: string,
  entries: () => TarEntry[],
  compression: Compression = 'gzip',
): Promise<BuiltLayer> {
  let p = layerCache.get(key);
  if (!p) layerCache.set(key, (p = buildLayerImpl(entries(), compression)));
  return p;
}

// ---- busybox base -------------------------------------------------------------------------

/** Applets linked to /bin/busybox in the base layer. */
export const BUSYBOX_APPLETS = [
  'sh',
  'ash',
  'ls',
  'cat',
  'echo',
  'true',
  'false',
  'sleep',
  'env',
  'id',
  'hostname',
  'mkdir',
  'rm',
  'rmdir',
  'touch',
  'ps',
  'top',
  'wc',
  'head',
  'tail',
  'grep',
  'sed',
  'awk',
  'test',
  '[',
  'uname',
  'pwd',
  'whoami',
  'date',
  'printf',
  'kill',
  'find',
  'stat',
  'du',
  'df',
  'mount',
  'ln',
  'cp',
  'mv',
  'chmod',
  'chown',
  'yes',
  'seq',
  'nc',
  'wget',
  'tr',
  'cut',
  'sort',
  'uniq',
  'xargs',
  'tee',
  'dd',
  'md5sum',
  'sha256sum',
  'readlink',
  'basename',
  'dirname',
  'vi',
  'less',
  'more',
  'tar',
  'gzip',
  'ping',
  'ip',
  'ifconfig',
  'nslookup',
  'hexdump',
  'od',
  'watch',
  'timeout',
  'nproc',
  'free',
  'sync',
  'realpath',
];

/** Entries of the busybox base filesystem (real static binary, applet symlinks, /etc, /tmp). */
export function busyboxEntries(): TarEntry[] {
  const entries: TarEntry[] = [
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 },
    ...BUSYBOX_APPLETS.map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'dev', type: 'directory' },
    { name: 'etc', type: 'directory' },
    {
      name: 'etc/passwd',
      content:
        'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    },
    { name: 'etc/group', content: 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' },
    { name: 'proc', type: 'directory' },
    { name: 'root', type: 'directory', mode: 0o700 },
    { name: 'sys', type: 'directory' },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
    { name: 'usr', type: 'directory' },
    { name: 'usr/bin', type: 'directory' },
    { name: 'var', type: 'directory' },
  ];
  return entries;
}

/** The busybox base as one gzip layer (built once per process; the digest is stable). */
export function busyboxLayer(): Promise<BuiltLayer> {
  return cachedLayer('busybox', busyboxEntries);
}

// ---- the fixture set ----------------------------------------------------------------------

export interface Fixtures {
  busybox: FixtureImage;
  threeLayer: FixtureImage;
  multi: { indexDigest: string; ref: string; images: FixtureImage[] };
  zstd: FixtureImage;
  plain: FixtureImage;
  moving: { v1: FixtureImage; v2: FixtureImage; moveTo(which: 'v1' | 'v2'): Promise<void> };
}

/** Distinct, ordered `created` dates: busybox < three-layer < multi < zstd < plain < moving v1 < v2. */
export const FIXTURE_CREATED = {
  busybox: '2024-01-01T00:00:00Z',
  threeLayer: '2024-01-02T00:00:00Z',
  multi: '2024-01-03T00:00:00Z',
  zstd: '2024-01-04T00:00:00Z',
  plain: '2024-01-05T00:00:00Z',
  movingV1: '2024-01-06T00:00:00Z',
  movingV2: '2024-01-07T00:00:00Z',
} as const;

const LABEL = 'org.berth.test.fixture';

export async function pushFixtureImages(reg: TestRegistry): Promise<Fixtures> {
  const base = busyboxLayer();
  const busybox = await pushImage(reg, 'busybox', 'latest', [await base], {
    format: 'docker',
    config: { created: FIXTURE_CREATED.busybox, config: { Cmd: ['sh'], Labels: { [LABEL]: 'busybox' } } },
  });

  const threeLayer = await pushImage(
    reg,
    'three-layer',
    'latest',
    [
      await cachedLayer('three-layer-1', () => [
        ...busyboxEntries(),
        { name: 'data', type: 'directory' },
        { name: 'data/a', content: 'a\n' },
        { name: 'data/b', content: 'b\n' },
        { name: 'etc/dir', type: 'directory' },
        { name: 'etc/dir/x', content: 'x\n' },
      ]),
      {
        entries: [
          { name: 'data', type: 'directory' },
          { name: 'data/.wh.a', content: '' },
          { name: 'data/c', content: 'c\n' },
        ],
      },
      {
        entries: [
          { name: 'etc', type: 'directory' },
          { name: 'etc/dir', type: 'directory' },
          { name: 'etc/dir/.wh..wh..opq', content: '' },
          { name: 'etc/dir/y', content: 'y\n' },
        ],
      },
    ],
    {
      format: 'oci',
      config: { created: FIXTURE_CREATED.threeLayer, config: { Labels: { [LABEL]: 'three-layer' } } },
    },
  );

  const platforms: Platform[] = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const multiImages: FixtureImage[] = [];
  for (const p of platforms) {
    const name = `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`;
    const marker: TarEntry = { name: 'platform', content: name + '\n' };
    // Only the amd64 image can run here, so only it carries busybox.
    const layer = await cachedLayer(`multi-${name}`, () =>
      p.architecture === 'amd64' ? [...busyboxEntries(), marker] : [marker],
    );
    multiImages.push(
      await pushImage(reg, 'multi', null, [layer], {
        format: 'oci',
        platform: p,
        config: { created: FIXTURE_CREATED.multi, config: { Labels: { [LABEL]: `multi ${name}` } } },
      }),
    );
  }
  const multiIndex = await pushIndex(reg, 'multi', 'latest', multiImages);

  const zstd = await pushImage(
    reg,
    'zstd',
    'latest',
    [await cachedLayer('zstd', () => [...busyboxEntries(), { name: 'fixture', content: 'zstd\n' }], 'zstd')],
    { format: 'oci', config: { created: FIXTURE_CREATED.zstd, config: { Labels: { [LABEL]: 'zstd' } } } },
  );
  const plain = await pushImage(
    reg,
    'plain',
    'latest',
    [
      await cachedLayer(
        'plain',
        () => [...busyboxEntries(), { name: 'fixture', content: 'plain\n' }],
        'none',
      ),
    ],
    { format: 'oci', config: { created: FIXTURE_CREATED.plain, config: { Labels: { [LABEL]: 'plain' } } } },
  );

  // v2 is pushed first so that `latest` ends on v1 and both manifests exist in the repository.
  const movingImage = async (v: 'v1' | 'v2', created: string) =>
    pushImage(reg, 'moving', 'latest', [await base, { entries: [{ name: 'version', content: v + '\n' }] }], {
      format: 'docker',
      config: { created, config: { Labels: { [LABEL]: `moving ${v}` } } },
    });
  const v2 = await movingImage('v2', FIXTURE_CREATED.movingV2);
  const v1 = await movingImage('v1', FIXTURE_CREATED.movingV1);
  const moving = {
    v1,
    v2,
    async moveTo(which: 'v1' | 'v2') {
      const img = which === 'v1' ? v1 : v2;
      await clientFor(reg).putManifest('moving', 'latest', img.manifest, img.manifestMediaType);
    },
  };

  return {
    busybox,
    threeLayer,
    multi: { indexDigest: multiIndex.indexDigest, ref: multiIndex.ref, images: multiImages },
    zstd,
    plain,
    moving,
  };
}

/** Overwrites a blob's data file in the registry's storage with same-length, different bytes. */
export async function corruptBlob(reg: TestRegistry, digest: string): Promise<void> {
  const file = await open(blobDataPath(reg, digest), 'r+');
  try {
    const { size } = await file.stat();
    const buf = Buffer.alloc(size);
    await file.read(buf, 0, size, 0);
    for (let i = 0; i < size; i++) buf[i] ^= 0xff;
    await file.write(buf, 0, size, 0);
  } finally {
    await file.close();
  }
}

/**
 * Pushes an OCI image whose single layer holds exactly the given raw tar entries — `../x`,
 * `/abs`, symlinks or hardlinks pointing outside, device nodes — unsanitized.
 */
export async function pushHostileImage(
  reg: TestRegistry,
  repo: string,
  tag: string,
  entries: TarEntry[],
  opts: { withBusybox?: boolean } = {},
): Promise<FixtureImage> {
  const layers: LayerSpec[] = opts.withBusybox ? [await busyboxLayer(), { entries }] : [{ entries }];
  return pushImage(reg, repo, tag, layers, {
    format: 'oci',
    config: { created: '2024-02-01T00:00:00Z', config: { Labels: { [LABEL]: 'hostile' } } },
  });
}

/**
 * Pushes a large generated image for benchmarks: `layers` gzip layers of about `bytesPerLayer`
 * random (incompressible) bytes each, spread over several files per layer.
 */
export async function buildMultiLayerImage(
  reg: TestRegistry,
  repo: string,
  opts: {
    layers: number;
    bytesPerLayer: number;
    tag?: string;
    filesPerLayer?: number;
    withBusybox?: boolean;
  },
): Promise<FixtureImage> {
  const files = opts.filesPerLayer ?? 4;
  const specs: LayerSpec[] = opts.withBusybox === false ? [] : [await busyboxLayer()];
  for (let i = 0; i < opts.layers; i++) {
    const per = Math.ceil(opts.bytesPerLayer / files);
    const entries: TarEntry[] = [{ name: `data${i}`, type: 'directory' }];
    for (let f = 0; f < files; f++)
      entries.push({ name: `data${i}/file${f}.bin`, content: randomBytes(per) });
    specs.push(await buildLayerImpl(entries, 'gzip'));
  }
  return pushImage(reg, repo, opts.tag ?? 'latest', specs, {
    format: 'docker',
    config: { created: '2024-03-01T00:00:00Z', config: { Labels: { [LABEL]: 'large' } } },
  });
}
