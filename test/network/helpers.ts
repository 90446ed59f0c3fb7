/**
 * Helpers for the network tests: "containers" are plain processes (node) entered into the namespaces
 * the manager creates, with nsenter; a private mount namespace gives one its own /etc/hosts.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const children = new Set<ChildProcess>();

/** An HTTP server inside the namespace on 0.0.0.0:`port`, answering `body`. Resolves once listening. */
export function serveInNetns(netns: string, port: number, body: string): Promise<ChildProcess> {
  const code = `require('http').createServer((q,s)=>s.end(${JSON.stringify(body)})).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`server in ${netns} exited ${c}: ${err}`)));
  });
}

const CLIENT = `
const http=require('http');
const r=http.get(process.argv[1],{timeout:4000},res=>{let d='';res.on('data',c=>d+=c);res.on('end',()=>{process.stdout.write(d);});});
r.on('error',e=>{process.stderr.write(e.message);process.exit(1)});
r.on('timeout',()=>{process.stderr.write('timeout');process.exit(1)});`;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** GETs `url` from inside the namespace; with `hostsFile`, that file is the process's /etc/hosts. */
export function fetchFromNetns(netns: string, url: string, hostsFile?: string): Promise<string> {
  if (!hostsFile) return run('nsenter', [`--net=${netns}`, process.execPath, '-e', CLIENT, url]);
  const script = `mount --bind "$1" /etc/hosts && exec nsenter --net="$2" "$3" -e "$4" "$5"`;
  return run('unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    script,
    'sh',
    hostsFile,
    netns,
    process.execPath,
    CLIENT,
    url,
  ]);
}

/** A UDP query from inside the namespace; resolves with the reply's length. */
export function udpQueryFromNetns(netns: string, host: string, port: number): Promise<string> {
  const code = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{process.stdout.write(String(m.length));process.exit(0)});
s.send(Buffer.from('123401000001000000000000036162630000010001','hex'),${port},${JSON.stringify(host)});setTimeout(()=>{process.stderr.write('no reply');process.exit(1)},3000);`;
  return run('nsenter', [`--net=${netns}`, process.execPath, '-e', code]);
}

export function get(url: string): Promise<string> {
  return run(process.execPath, ['-e', CLIENT, url]);
}

export function linksIn(netns: string): Promise<string[]> {
  return run('ip', ['-o', '-netns', netns.replace(/^\/run\/netns\//, ''), 'link', 'show']).then((out) =>
    out
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((x): x is string => !!x),
  );
}

/** An HTTP server on the host's 127.0.0.1 (random port). */
export async function hostServer(body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_q, s) => s.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Whether `pid` runs (a zombie awaiting its reaper counts as gone). */
export function pidAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Namespaces under /run/netns whose name starts with `prefix`. */
export function namespacesWith(prefix: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
}

export function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}
