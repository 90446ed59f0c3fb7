import type { ImageRecord } from '../store/image-store.js';
import { repoTagsAndDigests } from './references.js';

/** The parts of an OCI/Docker image config we read. */
export interface ImageConfigFile {
  created?: string;
  author?: string;
  architecture?: string;
  variant?: string;
  os?: string;
  'os.version'?: string;
  config?: Record<string, unknown>;
  rootfs?: { type: string; diff_ids: string[] };
  history?: Array<{
    created?: string;
    created_by?: string;
    author?: string;
    comment?: string;
    empty_layer?: boolean;
  }>;
  comment?: string;
  docker_version?: string;
  container?: string;
  container_config?: Record<string, unknown>;
}

/** Defaults dockerd fills into `Config` of an image inspect before API 1.50. */
const LEGACY_CONFIG_DEFAULTS: Record<string, unknown> = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: null,
  Image: '',
  Volumes: null,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null,
};

export interface InspectOptions {
  /** API < 1.50: Config carries the container-only fields too. */
  legacyConfig: boolean;
  virtualSize: boolean;
  /** API < 1.45: `Container` and `ContainerConfig`. */
  containerFields: boolean;
  graphDriver: { Name: string; Data: Record<string, string> | null };
}

export function imageInspect(
  img: ImageRecord,
  refs: readonly string[],
  config: ImageConfigFile,
  opts: InspectOptions,
): Record<string, unknown> {
  const { tags, digests } = repoTagsAndDigests(refs);
  const cfg = config.config ?? {};
  const out: Record<string, unknown> = {
    Id: img.id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: '',
    Comment: config.comment ?? '',
  };
  if (config.created) out.Created = config.created;
  if (opts.containerFields) {
    out.Container = config.container ?? '';
    out.ContainerConfig = { ...LEGACY_CONFIG_DEFAULTS, ...(config.container_config ?? {}) };
  }
  Object.assign(out, {
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: opts.legacyConfig ? { ...LEGACY_CONFIG_DEFAULTS, ...cfg } : cfg,
    Architecture: config.architecture ?? img.architecture,
  });
  if (config.variant ?? img.variant) out.Variant = config.variant ?? img.variant;
  out.Os = config.os ?? img.os;
  if (config['os.version']) out.OsVersion = config['os.version'];
  out.Size = img.size;
  if (opts.virtualSize) out.VirtualSize = img.size;
  out.GraphDriver = opts.graphDriver;
  out.RootFS = { Type: 'layers', Layers: img.layers.map((l) => l.diffId) };
  out.Metadata = { LastTagTime: img.lastTagTime ?? '0001-01-01T00:00:00Z' };
  return out;
}

/** `GET /images/{name}/history`: newest first; sizes from the layers the non-empty entries created. */
export function imageHistory(
  img: ImageRecord,
  refs: readonly string[],
  config: ImageConfigFile,
): Array<Record<string, unknown>> {
  type HistoryEntry = NonNullable<ImageConfigFile['history']>[number];
  const history: HistoryEntry[] = config.history?.length
    ? config.history
    : img.layers.map(() => ({ created: config.created, created_by: '' }));
  let layerIndex = 0;
  const rows = history.map((h) => {
    let size = 0;
    if (!h.empty_layer) {
      size = img.layers[layerIndex]?.unpackedSize ?? 0;
      layerIndex++;
    }
    const created = h.created ? Math.floor(Date.parse(h.created) / 1000) : 0;
    return {
      Id: '<missing>',
      Created: Number.isNaN(created) ? 0 : created,
      CreatedBy: h.created_by ?? '',
      Tags: null as string[] | null,
      Size: size,
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  if (rows[0]) {
    rows[0].Id = img.id;
    const { tags } = repoTagsAndDigests(refs);
    rows[0].Tags = tags.length ? tags : null;
  }
  return rows;
}
