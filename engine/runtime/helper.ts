/**
 * A small perl co-process that makes system calls and starts processes for the engine.
 *
 * Node has no binding for mount(2)/umount2(2), and `child_process.spawn` blocks the event loop until
 * the child has exec'd: a fork of the whole engine, then the child's exec tearing that copy down —
 * about 10 ms on an idle host and several times that on a busy one, for every conmon and crun a
 * container's life needs. This helper (perl-base is Essential in Debian, and the attach relay needs
 * perl anyway; ~4 MB) forks cheaply and does both jobs off the engine's event loop:
 *
 *   mount(opts)            mount(2), relative paths in the options resolved from `cwd`
 *   unmount(target, flags) umount2(2)
 *   launch(argv, opts)     fork + exec with stdout/stderr (and optionally fd 3) piped back to us,
 *                          in its own session when detached; reports the pid and, later, the exit
 *   run(argv)              launch, collect stdout/stderr, resolve with the exit code
 *
 * Requests and replies are lines of space-separated, hex-encoded fields, so any byte is safe. It runs
 * only as real root (not in a user namespace) on architectures whose syscall numbers are known here;
 * elsewhere `helperAvailable()` is false and callers use mount(8)/umount(8)/node's spawn as before, as
 * they do if the helper cannot be started. It exits with the engine (its stdin closes) and after a
 * minute idle without children; processes it started keep running without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { PassThrough, type Readable } from 'node:stream';
import { inUserNamespace } from './rootless/userns.js';

const SYSCALLS: Partial<Record<string, { mount: number; umount2: number }>> = {
  x64: { mount: 165, umount2: 166 },
  arm64: { mount: 40, umount2: 39 },
};

const SCRIPT = String.raw`
use strict; use warnings; use POSIX ();
my ($nr_mount, $nr_umount2) = @ARGV;
$SIG{PIPE} = 'IGNORE';
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
$SIG{CHLD} = sub { syswrite($wake_w, 'x') };
my (%out, %tag_of, $inbuf);
$inbuf = '';
sub hx { unpack('H*', $_[0]) }
sub reply {
  my $l = join(' ', @_) . "\n"; my $o = 0;
  while ($o < length $l) { my $w = syswrite(STDOUT, $l, length($l) - $o, $o); if (!defined $w) { next if $! == 4; exit 0 } $o += $w }
}
sub status { my ($r) = @_; $r == 0 ? 'OK' : 'ERR ' . ($! + 0) . ' ' . hx("$!") }
sub launch {
  my ($tag, $cwd, $flags, $argc, @rest) = @_;
  my @argv = splice(@rest, 0, $argc); my ($envc, @env) = @rest;
  my @pipes;
  for my $fd (1, 2, ($flags =~ /s/ ? 3 : ())) { pipe(my $r, my $w) or return reply('E', $tag, hx("pipe: $!")); push @pipes, [$fd, $r, $w] }
  pipe(my $er, my $ew) or return reply('E', $tag, hx("pipe: $!"));
  my $pid = fork();
  if (!defined $pid) { reply('E', $tag, hx("fork: $!")); return }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    close $er;
    POSIX::setsid() if $flags =~ /d/;
    if (!chdir($cwd)) { syswrite($ew, "chdir $cwd: $!"); POSIX::_exit(127) }
    open(my $null, '<', '/dev/null') or POSIX::_exit(127);
    POSIX::dup2(fileno($null), 0);
    POSIX::dup2(fileno($_->[2]), $_->[0]) for @pipes;
    %ENV = map { split(/=/, $_, 2) } @env;
    { no warnings 'exec'; exec { $argv[0] } @argv }
    syswrite($ew, "$!"); POSIX::_exit(127);
  }
  close $ew; close $_->[2] for @pipes;
  my $err = ''; 1 while !defined(sysread($er, $err, 4096)) && $! == 4; close $er;
  if ($err ne '') { close $_->[1] for @pipes; reply('E', $tag, hx($err)); return }
  $tag_of{$pid} = $tag;
  $out{fileno $_->[1]} = [$tag, $_->[0], $_->[1]] for @pipes;
  reply('P', $tag, $pid);
}
sub request {
  my ($op, @f) = map { pack('H*', $_) } split(/ /, $_[0], -1);
  if ($op eq 'M') {
    my ($tag, $cwd, $type, $src, $target, $flags, $data) = @f;
    if (!chdir($cwd)) { reply('R', $tag, 'ERR', $! + 0, hx("chdir $cwd: $!")); return }
    reply('R', $tag, status(syscall($nr_mount + 0, $src, $target, $type, $flags + 0, $data)));
  } elsif ($op eq 'U') {
    my ($tag, $target, $flags) = @f;
    reply('R', $tag, status(syscall($nr_umount2 + 0, $target, $flags + 0)));
  } elsif ($op eq 'L') { launch(@f) }
}
while (1) {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $tag = delete $tag_of{$pid};
    reply('X', $tag, $? & 127 ? 'S' : 'C', $? & 127 ? $? & 127 : $? >> 8) if defined $tag;
  }
  my $rin = ''; vec($rin, 0, 1) = 1; vec($rin, fileno($wake_r), 1) = 1; vec($rin, $_, 1) = 1 for keys %out;
  my $n = select(my $rout = $rin, undef, undef, undef);
  if ($n < 0) { next if $! == 4; last }
  if (vec($rout, fileno($wake_r), 1)) { sysread($wake_r, my $b, 512) }
  for my $fn (keys %out) {
    next unless vec($rout, $fn, 1);
    my ($tag, $fd, $h) = @{$out{$fn}};
    my $r = sysread($h, my $buf, 65536);
    next if !defined($r) && $! == 4;
    if ($r) { reply('O', $tag, $fd, hx($buf)) } else { close $h; delete $out{$fn}; reply('C', $tag, $fd) }
  }
  if (vec($rout, 0, 1)) {
    my $r = sysread(STDIN, my $buf, 65536);
    next if !defined($r) && $! == 4;
    last if !$r;
    $inbuf .= $buf;
    while ((my $i = index($inbuf, "\n")) >= 0) { my $line = substr($inbuf, 0, $i, ''); substr($inbuf, 0, 1, ''); request($line) }
  }
}
`;

/** The helper's idle lifetime (no request, no live child): restarted (≈20 ms) on the next use. */
const IDLE_MS = 60_000;

/** A failed mount/umount2: errno and its text. */
export class SyscallError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
  }
}

export const EINVAL = 22;
export const ENOENT = 2;
export const MNT_DETACH = 2;

/** A process the helper started: enough of ChildProcess for conmon's and the runtime's use. */
export class HelperChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly fd3 = new PassThrough();
  /** Pipes from it still open (2, or 3 with fd3). */
  open = 2;
  /** Someone waits for it: the engine's event loop stays up until it is done or unref()'d. */
  awaited = false;
  /** Set by the helper that started it. */
  onUnref: () => void = () => undefined;
  /** Like ChildProcess.unref(): the engine's event loop no longer waits for it. */
  unref(): void {
    this.awaited = false;
    this.onUnref();
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

class Helper {
  readonly proc: ChildProcess;
  private buf = '';
  private next = 1;
  private readonly calls = new Map<string, Pending>();
  private readonly children = new Map<string, HelperChild>();
  /** Children whose exit we still want to hear about (they keep the helper from idling out). */
  private readonly held = new Set<string>();
  /** Children someone awaits (run()): they hold the engine's event loop like a call in flight. */
  private readonly awaited = new Set<string>();
  private idleTimer: NodeJS.Timeout | undefined;
  private refs = 0;
  dead = false;

  constructor(nr: { mount: number; umount2: number }) {
    this.proc = spawn('perl', ['-e', SCRIPT, String(nr.mount), String(nr.umount2)], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.proc.stdout!.setEncoding('latin1');
    this.proc.stdout!.on('data', (chunk: string) => this.feed(chunk));
    this.proc.stdin!.on('error', () => undefined);
    this.proc.on('error', () => this.die(new Error('cannot start the perl helper')));
    this.proc.on('exit', () => this.die(new Error('the perl helper exited')));
    this.settle();
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    if (helper === this) helper = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const p of this.calls.values()) p.reject(err);
    this.calls.clear();
    // Processes it started live on; only their pipes to us and news of their exit are gone.
    for (const c of this.children.values()) {
      for (const s of [c.stdout, c.stderr, c.fd3]) if (!s.destroyed && !s.writableEnded) s.end();
      c.emit('exit', null, null);
    }
    this.children.clear();
    this.held.clear();
    this.awaited.clear();
  }

  private feed(chunk: string): void {
    this.buf += chunk;
    let nl;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const [kind, tag, ...f] = this.buf.slice(0, nl).split(' ');
      this.buf = this.buf.slice(nl + 1);
      this.message(kind!, tag!, f);
    }
    this.settle();
  }

  private message(kind: string, tag: string, f: string[]): void {
    if (kind === 'R' || kind === 'P' || kind === 'E') {
      const p = this.calls.get(tag);
      this.calls.delete(tag);
      if (!p) return;
      if (kind === 'R') {
        if (f[0] === 'OK') p.resolve(undefined);
        else p.reject(new SyscallError(Number(f[1]), Buffer.from(f[2] ?? '', 'hex').toString()));
      } else if (kind === 'P') {
        const child = this.children.get(tag);
        if (child) child.pid = Number(f[0]);
        p.resolve(child);
      } else {
        this.children.delete(tag);
        this.held.delete(tag);
        this.awaited.delete(tag);
        p.reject(new Error(Buffer.from(f[0] ?? '', 'hex').toString()));
      }
      return;
    }
    const child = this.children.get(tag);
    if (!child) return;
    const stream = (fd: string | undefined) =>
      fd === '1' ? child.stdout : fd === '2' ? child.stderr : child.fd3;
    const live = (st: PassThrough) => !st.destroyed && !st.writableEnded;
    if (kind === 'O') {
      const st = stream(f[0]);
      if (live(st)) st.write(Buffer.from(f[1] ?? '', 'hex'));
    } else if (kind === 'C') {
      const st = stream(f[0]);
      if (live(st)) st.end();
      child.open--;
    } else if (kind === 'X') {
      this.held.delete(tag);
      if (f[0] === 'S') child.signalCode = (signalName(Number(f[1])) ?? 'SIGKILL') as NodeJS.Signals;
      else child.exitCode = Number(f[1]);
      child.emit('exit', child.exitCode, child.signalCode);
    }
    // Its output may still arrive after its exit is reported: forgotten once both are in.
    if (child.open <= 0 && (child.exitCode !== null || child.signalCode !== null)) {
      this.children.delete(tag);
      this.awaited.delete(tag);
    }
  }

  /** Holds the engine's event loop only while a call is in flight; idles out when nothing is left. */
  private settle(): void {
    const busy = this.calls.size > 0 || this.awaited.size > 0;
    if (busy && !this.refs) {
      this.refs = 1;
      this.proc.ref();
      (this.proc.stdout as unknown as { ref?: () => void }).ref?.();
    } else if (!busy && this.refs) {
      this.refs = 0;
      this.unrefProc();
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!busy && this.held.size === 0) {
      this.idleTimer = setTimeout(() => {
        if (helper === this) helper = undefined;
        this.proc.stdin!.end();
      }, IDLE_MS);
      this.idleTimer.unref();
    }
  }

  unrefProc(): void {
    this.proc.unref();
    for (const s of [this.proc.stdin, this.proc.stdout])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private call<T>(op: string, fields: string[], child?: HelperChild): Promise<T> {
    if (this.dead) return Promise.reject(new Error('the perl helper exited'));
    const tag = String(this.next++);
    if (child) {
      this.children.set(tag, child);
      this.held.add(tag);
      if (child.awaited) this.awaited.add(tag);
      child.onUnref = () => {
        this.awaited.delete(tag);
        this.settle();
      };
    }
    return new Promise<T>((resolve, reject) => {
      this.calls.set(tag, { resolve: resolve as (v: unknown) => void, reject });
      this.settle();
      const line = [op, tag, ...fields].map((x) => Buffer.from(x).toString('hex')).join(' ');
      this.proc.stdin!.write(line + '\n');
    });
  }

  mount(o: MountOptions): Promise<void> {
    return this.call('M', [o.cwd, o.type, o.source, o.target, String(o.flags ?? 0), o.data]);
  }

  unmount(target: string, flags: number): Promise<void> {
    return this.call('U', [target, String(flags)]);
  }

  launch(argv: string[], o: LaunchOptions): Promise<HelperChild> {
    const env = Object.entries(o.env ?? process.env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    const flags = `${o.detached ? 'd' : ''}${o.fd3 ? 's' : ''}-`;
    const child = new HelperChild();
    child.awaited = Boolean(o.awaited);
    if (o.fd3) child.open = 3;
    else child.fd3.end();
    return this.call(
      'L',
      [o.cwd ?? process.cwd(), flags, String(argv.length), ...argv, String(env.length), ...env],
      child,
    );
  }
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}

export interface MountOptions {
  cwd: string;
  type: string;
  source: string;
  target: string;
  flags?: number;
  data: string;
}

export interface LaunchOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** In its own session (setsid), like `spawn(…, { detached: true })`. */
  detached?: boolean;
  /** A pipe on the child's fd 3 too (conmon's sync pipe). */
  fd3?: boolean;
  /** Keep the engine's event loop up until it is done or unref()'d (else only until it started). */
  awaited?: boolean;
}

let helper: Helper | undefined;
/** Set once perl could not be started: no further attempts in this process. */
let unavailable = false;

/** True when the helper can be used here (real root, known syscall numbers, perl found). */
export function helperAvailable(): boolean {
  return (
    !unavailable &&
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    SYSCALLS[process.arch] !== undefined &&
    !inUserNamespace()
  );
}

function get(): Helper {
  if (!helper || helper.dead) {
    const h = new Helper(SYSCALLS[process.arch]!);
    h.proc.once('error', () => (unavailable = true));
    helper = h;
  }
  return helper;
}

/** Starts the helper ahead of time (a container is about to start). */
export function prepareHelper(): void {
  if (helperAvailable()) get();
}

export function sysMount(o: MountOptions): Promise<void> {
  return get().mount(o);
}

export function sysUnmount(target: string, flags = 0): Promise<void> {
  return get().unmount(target, flags);
}

/** Starts `argv` from the helper; resolves once it has exec'd (rejects if it could not). */
export function launch(argv: string[], opts: LaunchOptions = {}): Promise<HelperChild> {
  return get().launch(argv, opts);
}

/** execFile through the helper: stdout, stderr and the exit code (or signal). */
export async function run(
  argv: string[],
  opts: LaunchOptions = {},
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = await launch(argv, { ...opts, awaited: true });
  const collect = (s: Readable) =>
    new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => parts.push(c));
      s.on('end', () => resolve(Buffer.concat(parts).toString()));
    });
  const [stdout, stderr] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    child.exitCode !== null || child.signalCode !== null
      ? undefined
      : new Promise((resolve) => child.once('exit', resolve)),
  ]);
  return { code: child.exitCode, signal: child.signalCode, stdout, stderr };
}
