import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { MountPoint } from './store.js';

type Obj = Record<string, unknown>;

/** A mount request before volumes are resolved to host paths. */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name (volume; empty for anonymous), unused for tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  propagation: string;
  mode: string;
  tmpfsOptions?: string;
  noCopy?: boolean;
}

function checkDestination(dst: string): string {
  if (!dst || !isAbsolute(dst))
    throw new InvalidArgumentError(`invalid mount config: mount path must be absolute: ${dst}`);
  if (dst === '/') throw new InvalidArgumentError("invalid specification: destination can't be '/'");
  return dst.replace(/\/+$/, '') || '/';
}

/** `-v` syntax: `src:dst[:opts]`, `name:dst[:opts]` or `dst` (anonymous volume). */
export function parseBind(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === ''))
    throw new InvalidArgumentError(`invalid volume specification: '${spec}'`);
  if (parts.length === 1) {
    return {
      type: 'volume',
      source: '',
      destination: checkDestination(parts[0]!),
      readOnly: false,
      propagation: '',
      mode: '',
    };
  }
  const [src, dst, opts = ''] = parts as [string, string, string?];
  const flags = opts ? opts.split(',') : [];
  for (const f of flags) {
    if (
      ![
        'ro',
        'rw',
        'z',
        'Z',
        'nocopy',
        'private',
        'rprivate',
        'shared',
        'rshared',
        'slave',
        'rslave',
      ].includes(f)
    ) {
      throw new InvalidArgumentError(`invalid mode: ${opts}`);
    }
  }
  const propagation = flags.find((f) => /private|shared|slave/.test(f)) ?? '';
  const isBind = isAbsolute(src);
  if (!isBind && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(src)) {
    throw new InvalidArgumentError(
      `create ${src}: "${src}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
  return {
    type: isBind ? 'bind' : 'volume',
    source: src,
    destination: checkDestination(dst),
    readOnly: flags.includes('ro'),
    propagation: isBind ? propagation || 'rprivate' : '',
    mode: opts,
    noCopy: flags.includes('nocopy'),
  };
}

/** `--mount` (HostConfig.Mounts). */
export function parseMount(m: Obj): MountRequest {
  const type = m.Type as string;
  if (!['bind', 'volume', 'tmpfs'].includes(type))
    throw new InvalidArgumentError(`mount type unknown: ${String(type)}`);
  const destination = checkDestination(String(m.Target ?? ''));
  const readOnly = Boolean(m.ReadOnly);
  if (type === 'tmpfs') {
    const t = (m.TmpfsOptions ?? {}) as Obj;
    const opts: string[] = [];
    if (t.SizeBytes) opts.push(`size=${Number(t.SizeBytes)}`);
    if (t.Mode) opts.push(`mode=${Number(t.Mode)}`);
    return {
      type: 'tmpfs',
      source: '',
      destination,
      readOnly,
      propagation: '',
      mode: '',
      tmpfsOptions: opts.join(','),
    };
  }
  const source = String(m.Source ?? '');
  if (type === 'bind') {
    if (!isAbsolute(source))
      throw new InvalidArgumentError(
        `invalid mount config for type "bind": invalid mount path: '${source}' mount path must be absolute`,
      );
    // Unlike `-v`, `--mount type=bind` never creates its source (dockerd checks at create).
    if (!existsSync(source))
      throw new InvalidArgumentError(
        `invalid mount config for type "bind": bind source path does not exist: ${source}`,
      );
    const prop = ((m.BindOptions as Obj | undefined)?.Propagation as string | undefined) ?? 'rprivate';
    return { type: 'bind', source, destination, readOnly, propagation: prop, mode: '' };
  }
  const noCopy = Boolean(((m.VolumeOptions as Obj | undefined) ?? {}).NoCopy);
  return { type: 'volume', source, destination, readOnly, propagation: '', mode: '', noCopy };
}

/** Every mount a container asks for: Binds, Mounts, Tmpfs and the image's VOLUMEs (anonymous). */
export function mountRequests(config: Obj, hostConfig: Obj): MountRequest[] {
  const out = new Map<string, MountRequest>();
  const add = (m: MountRequest) => {
    if (out.has(m.destination)) throw new InvalidArgumentError(`Duplicate mount point: ${m.destination}`);
    out.set(m.destination, m);
  };
  for (const b of (hostConfig.Binds as string[] | null) ?? []) add(parseBind(b));
  for (const m of (hostConfig.Mounts as Obj[] | null) ?? []) add(parseMount(m));
  // HostConfig.Tmpfs is applied by the spec generator and, as with dockerd, not listed in Mounts.
  for (const dst of Object.keys((hostConfig.Tmpfs as Record<string, string> | null) ?? {})) {
    if (out.has(checkDestination(dst))) throw new InvalidArgumentError(`Duplicate mount point: ${dst}`);
  }
  for (const dst of Object.keys((config.Volumes as Obj | null) ?? {})) {
    const d = checkDestination(dst);
    if (!out.has(d))
      out.set(d, { type: 'volume', source: '', destination: d, readOnly: false, propagation: '', mode: '' });
  }
  return [...out.values()];
}

export function mountPoint(m: MountRequest, source: string, name?: string, anonymous = false): MountPoint {
  const mp: MountPoint = {
    Type: m.type,
    Source: source,
    Destination: m.destination,
    Mode: m.mode,
    RW: !m.readOnly,
    Propagation: m.propagation,
  };
  if (m.type === 'volume') {
    mp.Name = name;
    mp.Driver = 'local';
    if (anonymous) mp.anonymous = true;
  }
  if (m.tmpfsOptions !== undefined) mp.tmpfsOptions = m.tmpfsOptions;
  return mp;
}
