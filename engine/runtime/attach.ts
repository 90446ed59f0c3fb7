/**
 * A client for conmon's attach socket.
 *
 * conmon listens on `<dir>/attach`, a SOCK_SEQPACKET UNIX socket. Each packet it sends is one read of
 * the container's output, prefixed by one byte naming the pipe (2 = stdout, 3 = stderr; a TTY's output
 * is all "stdout"). Every packet we send is written to the container's stdin; shutting down our write
 * side makes conmon close the container's stdin (unless it runs with `--leave-stdin-open`).
 *
 * Node's `net` speaks only SOCK_STREAM, so the socket is held by a tiny relay in Perl (perl-base is
 * Essential in Debian, so present wherever conmon is): it connects (after a chdir, so the 108-byte
 * sun_path limit never bites), then frames each packet to us as `<u32 big-endian length><packet>` and
 * turns our stdin into packets. A native SEQPACKET binding (e.g. the npm package `node-unix-socket`)
 * could replace the relay behind the same interface.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { basename, dirname } from 'node:path';

const RELAY = String.raw`
use strict; use warnings; use Socket;
my ($dir, $name) = @ARGV;
# Started ahead of time (no arguments): the first stdin line names the socket, "<dir>\t<name>\n".
if (!defined $dir) {
  my $line = '';
  while (1) { my $r = sysread(STDIN, my $c, 1); exit 0 unless $r; last if $c eq "\n"; $line .= $c }
  ($dir, $name) = split(/\t/, $line, 2);
}
chdir($dir) or do { print STDERR "chdir $dir: $!\n"; exit 2 };
socket(my $s, AF_UNIX, SOCK_SEQPACKET, 0) or do { print STDERR "socket: $!\n"; exit 2 };
connect($s, pack_sockaddr_un($name)) or do { print STDERR "connect $dir/$name: $!\n"; exit 3 };
$SIG{PIPE} = 'IGNORE';
sub out { my $d = shift; my $o = 0; while ($o < length $d) { my $w = syswrite(STDOUT, $d, length($d) - $o, $o); exit 0 unless defined $w; $o += $w } }
out(pack('N', 0));
my $in = 1; my $sf = fileno($s);
while (1) {
  my $rin = ''; vec($rin, $sf, 1) = 1; vec($rin, 0, 1) = 1 if $in;
  my $n = select(my $rout = $rin, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; last }
  if (vec($rout, $sf, 1)) {
    my $r = sysread($s, my $buf, 65536);
    last if !defined($r) || $r == 0;
    out(pack('N', $r) . $buf);
  }
  if ($in && vec($rout, 0, 1)) {
    my $r = sysread(STDIN, my $buf, 32000);
    if (!$r) { shutdown($s, 1); $in = 0 } else { defined(send($s, $buf, 0)) or $in = 0 }
  }
}
`;

export type StdStream = 'stdout' | 'stderr';

/**
 * One attachment to a container's (or exec session's) stdio.
 * Events: `data` (stream, chunk), `end` (the output ended: the process exited or conmon closed us),
 * `error` (err).
 */
export interface AttachStream extends EventEmitter {
  on(event: 'data', listener: (stream: StdStream, chunk: Buffer) => void): this;
  on(event: 'end', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  /** Sends bytes to the container's stdin. Resolves once the relay accepted them. */
  write(chunk: Buffer | string): Promise<void>;
  /** Half-closes: the container's stdin sees EOF (unless conmon leaves it open). */
  closeStdin(): void;
  /** Detaches. */
  close(): void;
  /** Resolves when the output has ended (after every `data` event). */
  readonly ended: Promise<void>;
}

class RelayAttach extends EventEmitter implements AttachStream {
  readonly ended: Promise<void>;
  private pending: Buffer = Buffer.alloc(0);
  private stdinClosed = false;

  constructor(private readonly relay: ChildProcess) {
    super();
    this.ended = new Promise((resolve) => this.once('end', resolve));
    relay.stdin!.on('error', () => undefined);
  }

  /** Parses the relay's frames; the first (empty) frame says "connected". */
  feed(chunk: Buffer, onConnected: () => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + len) break;
      const packet = this.pending.subarray(4, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      if (len === 0) onConnected();
      else if (len > 1)
        this.emit('data', packet[0] === 3 ? 'stderr' : 'stdout', Buffer.from(packet.subarray(1)));
    }
  }

  write(chunk: Buffer | string): Promise<void> {
    if (this.stdinClosed) return Promise.reject(new Error('stdin is closed'));
    return new Promise((resolve, reject) =>
      this.relay.stdin!.write(chunk, (e) => (e ? reject(e) : resolve())),
    );
  }

  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    this.relay.stdin!.end();
  }

  close(): void {
    if (this.relay.exitCode === null && this.relay.signalCode === null) this.relay.kill('SIGKILL');
  }
}

/** Connects to the attach socket at `socketPath`. Rejects if conmon is not listening there. */
/**
 * One relay started ahead of time (when a container is being created): perl's start-up (~20-30 ms)
 * then overlaps conmon's instead of sitting between the container's create and start.
 */
let warm: { perlPath: string; relay: ChildProcess; expiry: NodeJS.Timeout } | undefined;

function startRelay(perlPath: string): ChildProcess {
  const relay = spawn(perlPath, ['-e', RELAY], { stdio: ['pipe', 'pipe', 'pipe'] });
  relay.on('error', () => undefined);
  return relay;
}

/** Keeps a relay ready for the next attach (without holding the engine's event loop open). */
export function prepareRelay(perlPath = 'perl'): void {
  if (warm && warm.perlPath === perlPath && warm.relay.exitCode === null && !warm.relay.killed) return;
  const relay = startRelay(perlPath);
  relay.unref();
  for (const s of [relay.stdin, relay.stdout, relay.stderr])
    (s as unknown as { unref?: () => void } | null)?.unref?.();
  // An unused relay goes away after a while, so an idle engine holds no extra process.
  const expiry = setTimeout(() => {
    if (warm?.relay === relay) warm = undefined;
    relay.kill();
  }, 30_000);
  expiry.unref();
  warm = { perlPath, relay, expiry };
  relay.on('exit', () => {
    if (warm?.relay === relay) warm = undefined;
  });
}

function takeRelay(perlPath: string): ChildProcess {
  const w = warm;
  warm = undefined;
  if (w) clearTimeout(w.expiry);
  if (w && w.perlPath === perlPath && w.relay.exitCode === null && !w.relay.killed) {
    w.relay.ref();
    for (const s of [w.relay.stdin, w.relay.stdout, w.relay.stderr])
      (s as unknown as { ref?: () => void } | null)?.ref?.();
    return w.relay;
  }
  return startRelay(perlPath);
}

export function connectAttach(socketPath: string, perlPath = 'perl'): Promise<AttachStream> {
  const relay = takeRelay(perlPath);
  relay.stdin!.write(`${dirname(socketPath)}\t${basename(socketPath)}\n`);
  const stream = new RelayAttach(relay);
  return new Promise((resolve, reject) => {
    let connected = false;
    let err = '';
    relay.stderr!.setEncoding('utf8');
    relay.stderr!.on('data', (c: string) => (err += c));
    relay.stdout!.on('data', (c: Buffer) =>
      stream.feed(c, () => {
        connected = true;
        resolve(stream);
      }),
    );
    relay.on('error', (e) => {
      if (!connected) reject(new Error(`cannot attach: ${e.message}`));
      else stream.emit('error', e);
    });
    relay.on('close', () => {
      if (!connected) reject(new Error(`cannot attach: ${err.trim() || 'relay exited'}`));
      else stream.emit('end');
    });
  });
}
