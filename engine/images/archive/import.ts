import type { Readable } from 'node:stream';
import type { Engine } from '../../engine.js';
import type { ProgressWriter } from '../progress.js';
import { SystemError } from '../../errors.js';

export interface ImportOptions {
  /** `-` for the request body, else a URL (not supported: Berth never fetches arbitrary URLs). */
  fromSrc: string;
  repo: string;
  tag: string;
  message: string;
  changes: string[];
  platform: string;
}

/** `docker import`: placeholder until the archive module lands. */
export async function importImage(
  _engine: Engine,
  _source: Readable,
  _opts: ImportOptions,
  _progress: ProgressWriter,
): Promise<string> {
  throw new SystemError('import is not implemented yet');
}
