import { InvalidArgumentError } from '../errors.js';
import type { ImageConfigFile } from '../images/inspect.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringArray(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  // Cmd and Entrypoint are docker StrSlices (a lone string is one element); Env is a plain list.
  if (typeof v === 'string' && field !== 'Env') return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new InvalidArgumentError(`invalid ${field}: expected a list of strings`);
  }
  return v;
}

/** The body of `POST /containers/create`, checked for shape (dockerd answers bad bodies with 400). */
export interface CreateBody {
  config: Obj;
  hostConfig: Obj;
  networkingConfig: Obj;
}

export function parseCreateBody(body: unknown): CreateBody {
  if (body === undefined)
    throw new InvalidArgumentError('config cannot be empty in order to create a container');
  if (!isObj(body)) throw new InvalidArgumentError('invalid JSON: expected an object');
  const { HostConfig, NetworkingConfig, ...config } = body;
  if (HostConfig !== undefined && HostConfig !== null && !isObj(HostConfig)) {
    throw new InvalidArgumentError('invalid HostConfig');
  }
  for (const f of ['Cmd', 'Entrypoint', 'Env']) stringArray(config[f], f);
  if (typeof config.Image !== 'string' || !config.Image) {
    throw new InvalidArgumentError('no image specified: Image is required');
  }
  return {
    config,
    hostConfig: (HostConfig as Obj | null | undefined) ?? {},
    networkingConfig: isObj(NetworkingConfig) ? NetworkingConfig : {},
  };
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** Image Env overlaid with the container's (same key: the container wins). */
export function mergeEnv(imageEnv: string[] | undefined, env: string[] | undefined): string[] {
  const out = new Map<string, string>();
  for (const e of imageEnv ?? []) out.set(envKey(e), e);
  for (const e of env ?? []) out.set(envKey(e), e);
  return [...out.values()];
}

/**
 * dockerd's merge of the image config into the container's (daemon/create.go): user settings win;
 * Cmd comes from the image only if no Entrypoint was given; Env, ExposedPorts, Volumes and Labels merge.
 */
export function mergeImageConfig(user: Obj, image: ImageConfigFile): Obj {
  const ic = (image.config ?? {}) as Obj;
  const out: Obj = { ...user };
  if (!out.User && ic.User) out.User = ic.User;
  out.Env = mergeEnv(stringArray(ic.Env, 'Env'), stringArray(user.Env, 'Env'));
  const entrypoint = stringArray(user.Entrypoint, 'Entrypoint');
  const cmd = stringArray(user.Cmd, 'Cmd');
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) out.Cmd = ic.Cmd ?? null;
    // An explicitly empty Entrypoint ([""] or []) resets the image's; null/absent inherits it.
    if (user.Entrypoint === undefined || user.Entrypoint === null) out.Entrypoint = ic.Entrypoint ?? null;
    else out.Entrypoint = null;
  }
  if (!out.WorkingDir && ic.WorkingDir) out.WorkingDir = ic.WorkingDir;
  out.ExposedPorts = { ...((ic.ExposedPorts as Obj) ?? {}), ...((user.ExposedPorts as Obj) ?? {}) };
  if (Object.keys(out.ExposedPorts as Obj).length === 0) delete out.ExposedPorts;
  const volumes = { ...((ic.Volumes as Obj) ?? {}), ...((user.Volumes as Obj) ?? {}) };
  out.Volumes = Object.keys(volumes).length ? volumes : null;
  const labels = { ...((ic.Labels as Obj) ?? {}), ...((user.Labels as Obj) ?? {}) };
  out.Labels = labels;
  if (!out.StopSignal && ic.StopSignal) out.StopSignal = ic.StopSignal;
  if (!out.Healthcheck && ic.Healthcheck) out.Healthcheck = ic.Healthcheck;
  else if (isObj(out.Healthcheck) && isObj(ic.Healthcheck)) {
    const h = out.Healthcheck;
    const ih = ic.Healthcheck;
    out.Healthcheck = {
      ...h,
      Test: (h.Test as string[] | undefined)?.length ? h.Test : ih.Test,
      Interval: h.Interval || ih.Interval,
      Timeout: h.Timeout || ih.Timeout,
      StartPeriod: h.StartPeriod || ih.StartPeriod,
      Retries: h.Retries || ih.Retries,
    };
  }
  if (!out.OnBuild && ic.OnBuild) out.OnBuild = ic.OnBuild;
  if (!out.Shell && ic.Shell) out.Shell = ic.Shell;
  return out;
}

/** Entrypoint + Cmd → the process's path and args. */
export function processCommand(config: Obj): { path: string; args: string[] } {
  const argv = [
    ...(stringArray(config.Entrypoint, 'Entrypoint') ?? []),
    ...(stringArray(config.Cmd, 'Cmd') ?? []),
  ];
  if (argv.length === 0 || argv[0] === '') throw new InvalidArgumentError('no command specified');
  return { path: argv[0]!, args: argv.slice(1) };
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

export function restartPolicy(hostConfig: Obj): RestartPolicy {
  const rp = (hostConfig.RestartPolicy ?? {}) as Partial<RestartPolicy>;
  const name = (rp.Name ?? '') as RestartPolicy['Name'];
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(name)) {
    throw new InvalidArgumentError(`invalid restart policy '${name}'`);
  }
  const max = rp.MaximumRetryCount ?? 0;
  if (!Number.isInteger(max) || max < 0)
    throw new InvalidArgumentError('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') {
    throw new InvalidArgumentError(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'`,
    );
  }
  return { Name: name, MaximumRetryCount: max };
}

/** Validates HostConfig settings that dockerd checks at create time. */
export function validateHostConfig(hostConfig: Obj): void {
  const policy = restartPolicy(hostConfig);
  if (hostConfig.AutoRemove && policy.Name !== '' && policy.Name !== 'no') {
    throw new InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
  }
  for (const f of ['Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit', 'ShmSize']) {
    const v = hostConfig[f];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new InvalidArgumentError(`invalid ${f}: expected a number`);
    }
  }
  const mem = hostConfig.Memory as number | undefined;
  if (mem && mem > 0 && mem < 6 * 1024 * 1024)
    throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  if ((hostConfig.ShmSize as number | undefined) !== undefined && (hostConfig.ShmSize as number) < 0) {
    throw new InvalidArgumentError('SHM size can not be less than 0');
  }
}
