import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** dockerd's restricted name characters, shown verbatim in its error message. */
export const RESTRICTED_NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The label dockerd puts on volumes created without a name. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** Go's %q for the strings we quote (close enough: printable text plus JSON-style escapes). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Checks a local volume name the way dockerd does. The name becomes a directory under
 * `<dataRoot>/volumes`, so the pattern also keeps `..` and `/` out of it.
 */
export function validateVolumeName(name: string): void {
  if (name.length === 1) {
    throw new InvalidArgumentError(
      `create ${name}: volume name is too short, names should be at least two alphanumeric characters`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidArgumentError(
      `create ${name}: ${goQuote(name)} includes invalid characters for a local volume name, only ` +
        `${goQuote(RESTRICTED_NAME_CHARS)} are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}

export function isValidVolumeName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/** A random 64-hex name, as dockerd gives anonymous volumes. */
export function randomVolumeName(): string {
  return randomBytes(32).toString('hex');
}
