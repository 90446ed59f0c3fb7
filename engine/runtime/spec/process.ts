/**
 * The container's command line and environment, combined from the image config and the create
 * request as dockerd does.
 */
import { InvalidArgumentError } from '../../errors.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Entrypoint/Cmd as both the image config and the create request carry them. */
export interface CommandConfig {
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
}

const asList = (v: string[] | string | null | undefined): string[] | undefined =>
  v == null ? undefined : typeof v === 'string' ? [v] : v;

/**
 * dockerd's rules: a request Entrypoint (even `[""]`, which the CLI sends for `--entrypoint ""`)
 * replaces the image's and drops the image's Cmd; otherwise a request Cmd replaces the image's
 * Cmd and the image Entrypoint stays. The result is entrypoint followed by cmd.
 */
export function processArgs(image: CommandConfig | null | undefined, config: CommandConfig): string[] {
  let entrypoint = asList(config.Entrypoint);
  let cmd = asList(config.Cmd);
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = asList(image?.Cmd);
    if (entrypoint === undefined) entrypoint = asList(image?.Entrypoint);
  }
  // `--entrypoint ""` resets the entrypoint to nothing.
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  const args = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (args.length === 0) throw new InvalidArgumentError('No command specified');
  return args;
}

const keyOf = (e: string) => {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
};

/** The request's Env, then the image's variables it does not set (dockerd's create-time merge). */
export function mergeImageEnv(
  imageEnv: readonly string[] | null | undefined,
  env: readonly string[] | null | undefined,
): string[] {
  const out = [...(env ?? [])];
  const keys = new Set(out.map(keyOf));
  for (const e of imageEnv ?? []) if (!keys.has(keyOf(e))) out.push(e);
  return out;
}

/** Replaces same-named entries of `base` with `overrides`, appends the rest; a bare `KEY` unsets. */
export function replaceOrAppendEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  for (const o of overrides) {
    const k = keyOf(o);
    const idx = out.findIndex((e) => keyOf(e) === k);
    if (!o.includes('=')) {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = o;
    else out.push(o);
  }
  return out;
}

export interface EnvOptions {
  /** The container's Config.Env (already merged with the image's by mergeImageEnv). */
  env: readonly string[] | null | undefined;
  hostname: string;
  tty?: boolean;
  /** HOME from passwd, set when the container's env has none. */
  home?: string;
}

/** The process environment: PATH, HOSTNAME, TERM (tty), then Config.Env over them, then HOME. */
export function processEnv(opts: EnvOptions): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) base.push('TERM=xterm');
  const env = replaceOrAppendEnv(base, opts.env ?? []);
  if (opts.home && !env.some((e) => keyOf(e) === 'HOME')) env.push(`HOME=${opts.home}`);
  return env;
}
