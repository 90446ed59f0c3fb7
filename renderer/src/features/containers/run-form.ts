// The Run dialog's form: its state, and turning it into the contract's RunOptions with messages a
// person can act on. Pure, so it is tested on its own.
import type { RunOptions } from '../../bridge/contract';
import type { MessageKey, Vars } from '../../i18n';

export interface PortRow {
  host: string;
  container: string;
  protocol: 'tcp' | 'udp';
}

export interface MountRow {
  type: 'volume' | 'bind';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface RunForm {
  image: string;
  name: string;
  command: string;
  ports: PortRow[];
  mounts: MountRow[];
  /** One KEY=value per line. */
  env: string;
  restart: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maxRetries: string;
  cpus: string;
  memory: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  pull: 'missing' | 'always' | 'never';
}

export function emptyForm(image = ''): RunForm {
  return {
    image,
    name: '',
    command: '',
    ports: [],
    mounts: [],
    env: '',
    restart: 'no',
    maxRetries: '',
    cpus: '',
    memory: '',
    tty: false,
    interactive: false,
    autoRemove: false,
    pull: 'missing',
  };
}

export interface FieldError {
  key: MessageKey;
  vars?: Vars;
}

/** Field path ('image', 'ports.0.container', …) → what is wrong with it. */
export type FormErrors = Record<string, FieldError>;

/** Splits a command line like a POSIX shell would (quotes and backslashes; no expansion). */
export function splitCommand(line: string): string[] | { error: 'unterminated' } {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) cur += line[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) return { error: 'unterminated' };
  if (has) out.push(cur);
  return out;
}

/** "512m", "1.5g", "1GiB", "268435456" → bytes (docker's binary units). */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[unit]!;
  return Math.round(Number(m[1]) * mult);
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const VOLUME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const IMAGE = /^[^\s]+$/;
const ENV_KEY = /^[^=\s]+$/;
const MIN_MEMORY = 6 * 1024 * 1024;

function portNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Checks the form; returns the options to run, or the errors to show next to their fields. */
export function toRunOptions(f: RunForm): { options: RunOptions } | { errors: FormErrors } {
  const errors: FormErrors = {};
  const image = f.image.trim();
  if (!image) errors.image = { key: 'containers.run.error.imageRequired' };
  else if (!IMAGE.test(image)) errors.image = { key: 'containers.run.error.imageInvalid' };

  const name = f.name.trim();
  if (name && !NAME.test(name)) errors.name = { key: 'containers.run.error.name' };

  let command: string[] | undefined;
  if (f.command.trim()) {
    const split = splitCommand(f.command);
    if ('error' in split) errors.command = { key: 'containers.run.error.quote' };
    else command = split;
  }

  const ports: NonNullable<RunOptions['ports']> = [];
  const seen = new Set<string>();
  f.ports.forEach((p, i) => {
    if (!p.host.trim() && !p.container.trim()) return; // an empty row is ignored
    const containerPort = portNumber(p.container);
    if (containerPort === undefined) errors[`ports.${i}.container`] = { key: 'containers.run.error.port' };
    let hostIp: string | undefined;
    let hostText = p.host.trim();
    const colon = hostText.lastIndexOf(':');
    if (colon >= 0) {
      hostIp = hostText.slice(0, colon).replace(/^\[|\]$/g, '');
      hostText = hostText.slice(colon + 1);
      if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(hostIp) && !/^[0-9a-f:]+$/i.test(hostIp))
        errors[`ports.${i}.host`] = { key: 'containers.run.error.hostIp' };
    }
    let hostPort: number | undefined;
    if (hostText) {
      hostPort = portNumber(hostText);
      if (hostPort === undefined) errors[`ports.${i}.host`] = { key: 'containers.run.error.port' };
      else if (seen.has(`${hostIp ?? ''}:${hostPort}/${p.protocol}`))
        errors[`ports.${i}.host`] = { key: 'containers.run.error.portTwice', vars: { port: hostPort } };
      else seen.add(`${hostIp ?? ''}:${hostPort}/${p.protocol}`);
    }
    if (containerPort !== undefined)
      ports.push({
        containerPort,
        protocol: p.protocol,
        ...(hostPort ? { hostPort } : {}),
        ...(hostIp ? { hostIp } : {}),
      });
  });

  const mounts: NonNullable<RunOptions['mounts']> = [];
  const targets = new Set<string>();
  f.mounts.forEach((m, i) => {
    const source = m.source.trim();
    const target = m.target.trim();
    if (!source && !target) return;
    if (!target.startsWith('/')) errors[`mounts.${i}.target`] = { key: 'containers.run.error.target' };
    else if (targets.has(target)) errors[`mounts.${i}.target`] = { key: 'containers.run.error.targetTwice' };
    targets.add(target);
    if (m.type === 'bind' && !source.startsWith('/'))
      errors[`mounts.${i}.source`] = { key: 'containers.run.error.bindSource' };
    if (m.type === 'volume' && source && !VOLUME.test(source))
      errors[`mounts.${i}.source`] = { key: 'containers.run.error.volumeName' };
    mounts.push({ type: m.type, target, readOnly: m.readOnly, ...(source ? { source } : {}) });
  });

  const env: string[] = [];
  f.env.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (!ENV_KEY.test(key) || eq < 0)
      errors.env ??= { key: 'containers.run.error.env', vars: { line: i + 1 } };
    else env.push(line);
  });

  let maxRetries: number | undefined;
  if (f.restart === 'on-failure' && f.maxRetries.trim()) {
    maxRetries = Number(f.maxRetries);
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 1000)
      errors.maxRetries = { key: 'containers.run.error.retries' };
  }
  if (f.autoRemove && f.restart !== 'no') errors.restart = { key: 'containers.run.error.rmRestart' };

  let cpus: number | undefined;
  if (f.cpus.trim()) {
    cpus = Number(f.cpus);
    if (!Number.isFinite(cpus) || cpus < 0.01 || cpus > 1024)
      errors.cpus = { key: 'containers.run.error.cpus' };
  }
  let memory: number | undefined;
  if (f.memory.trim()) {
    memory = parseMemory(f.memory);
    if (memory === undefined) errors.memory = { key: 'containers.run.error.memory' };
    else if (memory < MIN_MEMORY) errors.memory = { key: 'containers.run.error.memoryMin' };
  }

  if (Object.keys(errors).length) return { errors };
  return {
    options: {
      image,
      ...(name ? { name } : {}),
      ...(command?.length ? { command } : {}),
      ports,
      mounts,
      env,
      restart: f.restart,
      ...(maxRetries !== undefined ? { maxRetries } : {}),
      ...(cpus !== undefined ? { cpus } : {}),
      ...(memory !== undefined ? { memory } : {}),
      tty: f.tty,
      interactive: f.interactive,
      autoRemove: f.autoRemove,
      pull: f.pull,
    },
  };
}
