import { homedir } from 'node:os';
import { join } from 'node:path';

/** Default data root (DESIGN.md §3). */
export function defaultDataRoot(): string {
  const env = process.env;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Berth');
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Berth');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'berth');
}

/** Default API socket: `$XDG_RUNTIME_DIR/berth/docker.sock`, else `~/.berth/run/docker.sock`. */
export function defaultSocketPath(): string {
  if (process.platform === 'win32') return '\\\\.\\pipe\\berth_engine';
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, 'berth', 'docker.sock') : join(homedir(), '.berth', 'run', 'docker.sock');
}

/** Default config file: `$XDG_CONFIG_HOME/berth/config.json`. */
export function defaultConfigPath(): string {
  const env = process.env;
  if (process.platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', 'Berth', 'config.json');
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Berth', 'config.json');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'berth', 'config.json');
}
