/**
 * The few filesystem operations Node cannot do itself — mknod, mkfifo, setxattr — done in batches by
 * child processes: one `sh` for all nodes (paths passed as positional arguments, never in the script
 * text) and one `setfattr --restore` for all extended attributes.
 */
import { spawn } from 'node:child_process';
import { SystemError } from '../errors.js';

export interface SpecialNode {
  path: string;
  type: 'char' | 'block' | 'fifo';
  major: number;
  minor: number;
}

export interface XattrSet {
  path: string;
  name: string;
  value: Buffer;
}

/** Creates device nodes and FIFOs: `$1` type, `$2` path, then major/minor for devices. */
const MKNOD_SCRIPT = `
while [ "$#" -gt 0 ]; do
  case "$1" in
    p) mkfifo -- "$2" || exit 1; shift 2 ;;
    c|b) mknod -- "$2" "$1" "$3" "$4" || exit 1; shift 4 ;;
    *) echo "bad node type $1" >&2; exit 2 ;;
  esac
done
`;

/** Keeps each sh invocation's argument list well under ARG_MAX. */
const MAX_ARG_BYTES = 512 * 1024;

export async function makeSpecialNodes(nodes: readonly SpecialNode[]): Promise<void> {
  let args: string[] = [];
  let bytes = 0;
  for (const n of nodes) {
    const a =
      n.type === 'fifo'
        ? ['p', n.path]
        : [n.type === 'char' ? 'c' : 'b', n.path, String(n.major), String(n.minor)];
    args.push(...a);
    bytes += n.path.length + 32;
    if (bytes > MAX_ARG_BYTES) {
      await runMknod(args);
      args = [];
      bytes = 0;
    }
  }
  if (args.length > 0) await runMknod(args);
}

async function runMknod(args: string[]): Promise<void> {
  const { code, stderr } = await run('sh', ['-c', MKNOD_SCRIPT, 'berth-mknod', ...args]);
  if (code !== 0) {
    const msg = stderr.trim().split('\n').pop() ?? '';
    const hint = /not permitted/i.test(msg) ? ' (creating device nodes needs root or CAP_MKNOD)' : '';
    throw new SystemError(`cannot create device node: ${msg || `exit status ${code}`}${hint}`);
  }
}

/**
 * Sets extended attributes without following symlinks. With `tolerateUnsupported`, failures because the
 * filesystem or our privileges do not allow an attribute are ignored (docker does the same for layer
 * xattrs); any other failure throws.
 */
export async function setXattrs(sets: readonly XattrSet[], tolerateUnsupported: boolean): Promise<void> {
  if (sets.length === 0) return;
  const byPath = new Map<string, XattrSet[]>();
  for (const s of sets) {
    const list = byPath.get(s.path);
    if (list) list.push(s);
    else byPath.set(s.path, [s]);
  }
  let dump = '';
  for (const [path, list] of byPath) {
    dump += `# file: ${escapeDumpString(path)}\n`;
    for (const s of list) dump += `${escapeDumpString(s.name)}=0s${s.value.toString('base64')}\n`;
    dump += '\n';
  }
  const { code, stderr } = await run('setfattr', ['-h', '--restore=-'], dump);
  if (code === 0) return;
  const failures = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const fatal = failures.filter(
    (l) =>
      !(tolerateUnsupported && /Operation not supported|Operation not permitted|Permission denied/.test(l)),
  );
  if (fatal.length > 0 || failures.length === 0) {
    throw new SystemError(`cannot set extended attributes: ${fatal[0] ?? `setfattr exit status ${code}`}`);
  }
}

/** getfattr's dump quoting, which `setfattr --restore` undoes: bytes outside printable ASCII, and `\`, as \ooo. */
function escapeDumpString(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (b <= 0x20 || b >= 0x7f || b === 0x5c || b === 0x3d) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out;
}

function run(command: string, args: string[], input?: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 65536) stderr += s;
    });
    child.stdin.on('error', () => {}); // an early exit is reported through the exit status
    child.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' && command === 'setfattr' ? ' (install the "attr" package)' : '';
      reject(new SystemError(`${command}: ${err.message}${hint}`));
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stderr }));
    child.stdin.end(input ?? '');
  });
}
