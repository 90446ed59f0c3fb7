import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { ExecSession } from '../runtime/oci-runtime.js';
import type { ContainerService } from './service.js';
import type { SpecPort } from './ports.js';
import { rootfsPaths } from './rootfs.js';

export interface ExecConfig {
  Cmd: string[];
  Env: string[];
  User: string;
  WorkingDir: string;
  Tty: boolean;
  Privileged: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  session?: ExecSession;
}

/** `docker exec`: exec instances live in memory, as in dockerd (they do not survive a restart). */
export class ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly containers: ContainerService,
    private readonly spec: SpecPort,
  ) {}

  create(idOrName: string, body: Record<string, unknown> | undefined): string {
    const rec = this.containers.resolve(idOrName);
    if (
      !body ||
      !Array.isArray(body.Cmd) ||
      body.Cmd.length === 0 ||
      !body.Cmd.every((c) => typeof c === 'string')
    ) {
      throw new InvalidArgumentError('No exec command specified');
    }
    if (!rec.state.running) throw new ConflictError(`container ${rec.id} is not running`);
    if (rec.state.paused)
      throw new ConflictError(`container ${rec.id} is paused, unpause the container before exec`);
    if (rec.state.restarting)
      throw new ConflictError(`container ${rec.id} is restarting, wait until the container is running`);
    const id = randomBytes(32).toString('hex');
    const config: ExecConfig = {
      Cmd: body.Cmd as string[],
      Env: Array.isArray(body.Env) ? (body.Env as string[]) : [],
      User: typeof body.User === 'string' ? body.User : '',
      WorkingDir: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
      Tty: Boolean(body.Tty),
      Privileged: Boolean(body.Privileged),
      AttachStdin: Boolean(body.AttachStdin),
      AttachStdout: Boolean(body.AttachStdout),
      AttachStderr: Boolean(body.AttachStderr),
      DetachKeys: typeof body.DetachKeys === 'string' ? body.DetachKeys : '',
    };
    this.execs.set(id, { id, containerId: rec.id, config, running: false, exitCode: null, pid: 0 });
    rec.execIds.push(id);
    this.containers.emit(rec, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    return id;
  }

  get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw new NotFoundError(`No such exec instance: ${id}`);
    return e;
  }

  /** Starts the process; with `attach`, its stdio is returned for the caller to wire to the client. */
  async start(
    id: string,
    opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] },
  ): Promise<{ exec: ExecRecord; done: Promise<number> }> {
    const exec = this.get(id);
    if (exec.running || exec.exitCode !== null)
      throw new ConflictError(`Error: Exec command ${id} has already run`);
    const rec = this.containers.resolve(exec.containerId);
    if (!rec.state.running) throw new ConflictError(`container ${rec.id} is not running`);
    const tty = opts.tty ?? exec.config.Tty;
    const process = await this.spec.execProcess(rec, {
      cmd: exec.config.Cmd,
      env: exec.config.Env,
      user: exec.config.User,
      workingDir: exec.config.WorkingDir,
      tty,
      privileged: exec.config.Privileged,
      rootfs: rootfsPaths(this.containers.store.dir(rec.id)).merged,
      bundle: join(this.containers.store.dir(rec.id), 'bundle'),
    });
    // The client's terminal size from the start (API ≥ 1.42), so the first prompt already fits.
    const [height, width] = opts.consoleSize ?? [0, 0];
    if (tty && height > 0 && width > 0) (process as Record<string, unknown>).consoleSize = { height, width };
    exec.running = true;
    const session = await this.containers.deps.runtime
      .exec(rec.id, process as never, {
        terminal: tty,
        stdin: exec.config.AttachStdin && !opts.detach,
        attach: !opts.detach,
      })
      .catch((err: unknown) => {
        exec.running = false;
        exec.exitCode = (err as { exitCode?: number }).exitCode ?? 126;
        throw err;
      });
    exec.session = session;
    exec.pid = session.pid;
    this.containers.emit(rec, `exec_start: ${exec.config.Cmd.join(' ')}`, { execID: id });
    const done = session.wait().then(
      (code) => this.finish(exec, code),
      () => this.finish(exec, 126),
    );
    return { exec, done };
  }

  private finish(exec: ExecRecord, code: number): number {
    exec.running = false;
    exec.exitCode = code;
    exec.session = undefined;
    const rec = this.containers.store.get(exec.containerId);
    if (rec) {
      this.containers.emit(rec, 'exec_die', { execID: exec.id, exitCode: String(code) });
      rec.execIds = rec.execIds.filter((e) => e !== exec.id);
    }
    return code;
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const exec = this.get(id);
    if (!exec.session) throw new ConflictError(`Exec ${id} is not running`);
    await exec.session.resize(height, width);
  }

  inspect(id: string): Record<string, unknown> {
    const e = this.get(id);
    const c = e.config;
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: {
        tty: c.Tty,
        entrypoint: c.Cmd[0],
        arguments: c.Cmd.slice(1),
        privileged: c.Privileged,
        ...(c.User ? { user: c.User } : {}),
      },
      OpenStdin: c.AttachStdin,
      OpenStderr: c.AttachStderr,
      OpenStdout: c.AttachStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: c.DetachKeys,
      Pid: e.pid,
    };
  }
}
