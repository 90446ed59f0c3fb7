/**
 * `--change` instructions (`docker import -c`, `docker commit -c`): a small subset of Dockerfile
 * instructions applied to an image's container config, with dockerd's rules and error wording.
 */
import { InvalidArgumentError } from '../../errors.js';

export type ContainerConfig = Record<string, unknown>;

const VALID = new Set([
  'cmd',
  'entrypoint',
  'env',
  'expose',
  'healthcheck',
  'label',
  'onbuild',
  'stopsignal',
  'user',
  'volume',
  'workdir',
]);

const SIGNALS = [
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE',
  'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU',
  'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ',
]; // prettier-ignore

interface Instruction {
  keyword: string;
  rest: string;
}

/** Applies `changes` to a copy of `base`. Throws InvalidArgumentError with dockerd's messages. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const config: ContainerConfig = structuredClone(base);
  const instructions = parseInstructions(changes.join('\n'));
  for (const ins of instructions) {
    if (!VALID.has(ins.keyword))
      throw new InvalidArgumentError(`${ins.keyword} is not a valid change command`);
  }
  let cmdSet = false;
  for (const { keyword, rest } of instructions) {
    const env = (config.Env as string[] | undefined) ?? [];
    switch (keyword) {
      case 'cmd':
        config.Cmd = commandLine(rest, 'CMD');
        cmdSet = true;
        break;
      case 'entrypoint':
        config.Entrypoint = commandLine(rest, 'ENTRYPOINT');
        // A new entrypoint drops an inherited CMD unless CMD was set by these changes.
        if (!cmdSet) delete config.Cmd;
        break;
      case 'env':
        for (const [k, v] of keyValues(rest, 'ENV', env)) setEnv(config, k, v);
        break;
      case 'label': {
        const labels = { ...((config.Labels as Record<string, string> | undefined) ?? {}) };
        for (const [k, v] of keyValues(rest, 'LABEL', env)) labels[k] = v;
        config.Labels = labels;
        break;
      }
      case 'expose': {
        const ports = { ...((config.ExposedPorts as Record<string, object> | undefined) ?? {}) };
        const words = splitWords(rest, env);
        if (words.length === 0) throw new InvalidArgumentError('EXPOSE requires at least one argument');
        for (const w of words) for (const p of exposedPorts(w)) ports[p] = {};
        config.ExposedPorts = ports;
        break;
      }
      case 'user':
        config.User = oneArg(rest, 'USER', env);
        break;
      case 'workdir': {
        const dir = oneArg(rest, 'WORKDIR', env);
        const current = (config.WorkingDir as string | undefined) ?? '';
        config.WorkingDir = cleanPath(dir.startsWith('/') ? dir : `/${current}/${dir}`);
        break;
      }
      case 'volume': {
        const vols = { ...((config.Volumes as Record<string, object> | undefined) ?? {}) };
        const list = jsonArray(rest) ?? splitWords(rest, env);
        if (list.length === 0) throw new InvalidArgumentError('VOLUME requires at least one argument');
        for (const v of list) {
          if (v.trim() === '') throw new InvalidArgumentError('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        config.Volumes = vols;
        break;
      }
      case 'stopsignal':
        config.StopSignal = stopSignal(oneArg(rest, 'STOPSIGNAL', env));
        break;
      case 'onbuild':
        config.OnBuild = [...((config.OnBuild as string[] | undefined) ?? []), onBuildTrigger(rest)];
        break;
      case 'healthcheck':
        config.Healthcheck = healthcheck(rest);
        break;
    }
  }
  return config;
}

/** Splits text into instructions: `\` continues a line, `#` lines and blank lines are skipped. */
function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  const flush = () => {
    const line = pending.trim();
    pending = '';
    if (!line) return;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    out.push({ keyword: m[1]!.toLowerCase(), rest: m[2]!.trim() });
  };
  for (const raw of text.split(/\r?\n/)) {
    if (pending === '' && /^\s*#/.test(raw)) continue;
    if (/\\\s*$/.test(raw)) {
      pending += raw.replace(/\\\s*$/, '');
      continue;
    }
    pending += raw;
    flush();
  }
  flush();
  return out;
}

/** A JSON array of strings, or undefined when `s` is not one (then it is shell form). */
function jsonArray(s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: shell form
  }
  return undefined;
}

function commandLine(rest: string, name: string): string[] {
  const exec = jsonArray(rest);
  if (exec) return exec;
  if (rest === '' && name === 'ENTRYPOINT') return ['/bin/sh', '-c', ''];
  if (rest === '') throw new InvalidArgumentError(`${name} requires at least one argument`);
  return ['/bin/sh', '-c', rest];
}

function oneArg(rest: string, name: string, env: readonly string[]): string {
  const words = splitWords(rest, env);
  if (words.length === 0) throw new InvalidArgumentError(`${name} requires exactly one argument`);
  if (name !== 'USER' && name !== 'WORKDIR' && words.length > 1) {
    throw new InvalidArgumentError(`${name} requires exactly one argument`);
  }
  return words.join(' ');
}

function setEnv(config: ContainerConfig, key: string, value: string): void {
  const env = [...((config.Env as string[] | undefined) ?? [])];
  const i = env.findIndex((e) => e.split('=')[0] === key);
  if (i === -1) env.push(`${key}=${value}`);
  else env[i] = `${key}=${value}`;
  config.Env = env;
}

/** `K=V K2="V 2"` pairs, or the legacy `K V with spaces` form. Values are expanded against `env`. */
function keyValues(rest: string, name: string, env: readonly string[]): Array<[string, string]> {
  if (rest === '') throw new InvalidArgumentError(`${name} requires at least one argument`);
  const first = /^\S+/.exec(rest)![0];
  if (!first.includes('=')) {
    const value = rest.slice(first.length).trim();
    if (value === '') throw new InvalidArgumentError(`${name} must have two arguments`);
    return [[expandWord(first, env), splitWords(value, env, true).join('')]];
  }
  const out: Array<[string, string]> = [];
  for (const word of splitWords(rest, env)) {
    const eq = word.indexOf('=');
    if (eq === -1) {
      throw new InvalidArgumentError(
        `Syntax error - can't find = in "${word}". Must be of the form: name=value`,
      );
    }
    const key = word.slice(0, eq);
    if (key === '') throw new InvalidArgumentError(`${name} names can not be blank`);
    out.push([key, word.slice(eq + 1)]);
  }
  return out;
}

/**
 * Splits shell words with quotes, backslash escapes and `$VAR`/`${VAR}` (`:-`/`:+`) expansion, as the
 * Dockerfile lexer does. `keepSpaces` returns one word with the whitespace kept (legacy ENV values).
 */
function splitWords(s: string, env: readonly string[], keepSpaces = false): string[] {
  const lookup = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const expand = (): string => {
    i++; // past '$'
    if (s[i] === '{') {
      const end = s.indexOf('}', i);
      if (end === -1) throw new InvalidArgumentError(`missing '}' in ${JSON.stringify(s)}`);
      const inner = s.slice(i + 1, end);
      i = end + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/.exec(inner);
      if (!m) throw new InvalidArgumentError(`bad substitution: ${JSON.stringify(inner)}`);
      const v = lookup.get(m[1]!);
      if (m[2] === '-') return v ? v : m[3]!;
      if (m[2] === '+') return v ? m[3]! : '';
      return v ?? '';
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!m) return '$';
    i += m[0].length;
    return lookup.get(m[0]) ?? '';
  };
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c) && !keepSpaces) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < s.length) {
      word += s[i + 1];
      i += 2;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1)
        throw new InvalidArgumentError(`unexpected end of statement while looking for matching single-quote`);
      word += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$'.includes(s[i + 1]!)) {
          word += s[i + 1];
          i += 2;
        } else if (s[i] === '$') word += expand();
        else word += s[i++];
      }
      if (i >= s.length)
        throw new InvalidArgumentError(`unexpected end of statement while looking for matching double-quote`);
      i++;
    } else if (c === '$') {
      word += expand();
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function expandWord(s: string, env: readonly string[]): string {
  return splitWords(s, env).join(' ');
}

/** `80`, `80/tcp`, `8000-8002/udp` → `80/tcp`, `8000/udp`, … */
function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(spec);
  if (!m) throw new InvalidArgumentError(`Invalid containerPort: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new InvalidArgumentError(`Invalid proto: ${proto}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start)
    throw new InvalidArgumentError(`Invalid containerPort: ${spec}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

function stopSignal(sig: string): string {
  const upper = sig.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-]\d+)?$/.test(upper);
  const num = /^\d+$/.test(sig) && Number(sig) > 0 && Number(sig) <= 64;
  if (!num && !rt && !SIGNALS.includes(upper)) throw new InvalidArgumentError(`Invalid signal: ${sig}`);
  return sig;
}

function onBuildTrigger(rest: string): string {
  const word = (/^\S+/.exec(rest)?.[0] ?? '').toUpperCase();
  if (word === '') throw new InvalidArgumentError('ONBUILD requires at least one argument');
  if (word === 'ONBUILD')
    throw new InvalidArgumentError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (word === 'FROM' || word === 'MAINTAINER') {
    throw new InvalidArgumentError(`${word} isn't allowed as an ONBUILD trigger`);
  }
  return rest;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go duration (`30s`, `1m30s`) in nanoseconds. */
function parseDuration(flag: string, v: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let pos = 0;
  while (pos < v.length) {
    re.lastIndex = pos;
    const m = re.exec(v);
    if (!m) throw new InvalidArgumentError(`time: invalid duration "${v}" for --${flag}`);
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (v === '') throw new InvalidArgumentError(`time: invalid duration "" for --${flag}`);
  return Math.round(total);
}

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=… --timeout=… --start-period=… --retries=N] CMD …`. */
function healthcheck(rest: string): Record<string, unknown> {
  let s = rest;
  const hc: Record<string, unknown> = {};
  for (;;) {
    const m = /^--([a-z-]+)=(\S*)\s*/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
    const [, flag, value] = m as unknown as [string, string, string];
    if (flag === 'retries') hc.Retries = Number(value);
    else if (flag === 'interval') hc.Interval = parseDuration(flag, value);
    else if (flag === 'timeout') hc.Timeout = parseDuration(flag, value);
    else if (flag === 'start-period') hc.StartPeriod = parseDuration(flag, value);
    else if (flag === 'start-interval') hc.StartInterval = parseDuration(flag, value);
    else throw new InvalidArgumentError(`Unknown flag: ${flag}`);
  }
  const m = /^(\S+)\s*([\s\S]*)$/.exec(s);
  const kind = m?.[1]?.toUpperCase();
  if (kind === 'NONE') {
    if (m![2] || Object.keys(hc).length > 0)
      throw new InvalidArgumentError('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (kind !== 'CMD')
    throw new InvalidArgumentError(`Unknown type "${m?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const exec = jsonArray(m![2]!);
  hc.Test = exec ? ['CMD', ...exec] : ['CMD-SHELL', m![2]!];
  return hc;
}

/** Lexical path cleaning (Go's path.Clean) for absolute paths. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}
