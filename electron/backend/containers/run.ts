// Run = pull (when the image is missing) + create + start, reporting each step as it happens.
import type Docker from 'dockerode';
import type { z } from 'zod';
import type { RunEvent, runOptions } from '../../contract/containers.js';
import { HandlerError } from '../errors.js';

export type ParsedRunOptions = z.output<typeof runOptions>;

/** Splits `repo[:tag][@digest]` as the engine's /images/create wants it (fromImage + tag). */
export function pullParams(ref: string): { fromImage: string; tag?: string } {
  if (ref.includes('@')) return { fromImage: ref };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

interface PullMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/** POST /images/create, forwarding docker's progress messages; rejects on an error message. */
export async function pullImage(
  docker: Docker,
  ref: string,
  signal: AbortSignal,
  emit: (e: RunEvent) => void,
): Promise<void> {
  const stream = (await docker.createImage({
    ...pullParams(ref),
    abortSignal: signal,
  } as object)) as NodeJS.ReadableStream & { destroy(): void };
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    let failed = false;
    const onAbort = () => {
      stream.destroy();
      reject(new HandlerError('cancelled', undefined, 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (err?: Error) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const handle = (line: string) => {
      let m: PullMessage;
      try {
        m = JSON.parse(line) as PullMessage;
      } catch {
        return;
      }
      if (m.error || m.errorDetail?.message) {
        failed = true;
        stream.destroy();
        finish(new HandlerError(m.errorDetail?.message ?? m.error ?? 'pull failed', 500));
        return;
      }
      emit({
        type: 'pull-progress',
        layer: m.id ?? '',
        status: m.status ?? '',
        ...(m.progressDetail?.total ? { current: m.progressDetail.current ?? 0 } : {}),
        ...(m.progressDetail?.total ? { total: m.progressDetail.total } : {}),
      });
    };
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while (!failed && (nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) handle(line);
      }
    });
    stream.on('end', () => {
      if (!failed && buffered.trim()) handle(buffered.trim());
      if (!failed) finish();
    });
    stream.on('error', (err) => {
      if (!failed) finish(err);
    });
  });
}

/** The Engine API create body for the Run dialog's options. */
export function createBody(o: ParsedRunOptions): Docker.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of o.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  const restart =
    o.restart === 'no'
      ? undefined
      : {
          Name: o.restart,
          ...(o.restart === 'on-failure' && o.maxRetries ? { MaximumRetryCount: o.maxRetries } : {}),
        };
  return {
    ...(o.name ? { name: o.name } : {}),
    Image: o.image,
    ...(o.command?.length ? { Cmd: o.command } : {}),
    ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
    Env: o.env,
    ...(o.labels ? { Labels: o.labels } : {}),
    Tty: o.tty,
    OpenStdin: o.interactive,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Mounts: o.mounts.map((m) => ({
        Type: m.type,
        Source: m.source ?? '',
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
      ...(restart ? { RestartPolicy: restart } : {}),
      ...(o.cpus ? { NanoCpus: Math.round(o.cpus * 1e9) } : {}),
      ...(o.memory ? { Memory: o.memory } : {}),
      AutoRemove: o.autoRemove,
    },
  };
}

/** The whole Run: pull if needed, create, start. The created container is left in place if start fails. */
export async function runContainer(
  docker: Docker,
  o: ParsedRunOptions,
  emit: (e: RunEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  if (o.autoRemove && o.restart !== 'no')
    throw new HandlerError(
      'a container removed on exit cannot have a restart policy',
      400,
      'invalid-argument',
    );
  const needPull = o.pull === 'always' || (o.pull === 'missing' && !(await imageExists(docker, o.image)));
  if (needPull) {
    emit({ type: 'pulling', image: o.image });
    await pullImage(docker, o.image, signal, emit);
    emit({ type: 'pulled', image: o.image });
  } else if (o.pull === 'never' && !(await imageExists(docker, o.image))) {
    throw new HandlerError(`no such image: ${o.image}`, 404);
  }
  if (signal.aborted) throw new HandlerError('cancelled', undefined, 'cancelled');
  const container = await docker.createContainer(createBody(o));
  const info = await container.inspect();
  const name = info.Name.replace(/^\//, '');
  emit({ type: 'created', id: container.id, name });
  await container.start();
  emit({ type: 'started', id: container.id, name });
}
