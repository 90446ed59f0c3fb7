import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a user-given name and returns it in stored form (`/name`). */
export function normalizeName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new InvalidArgumentError(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name.startsWith('/') ? name : `/${name}`;
}

// Our own word lists for generated names (adjective_noun, like docker's).
const ADJECTIVES = [
  'agile',
  'amber',
  'bold',
  'brave',
  'bright',
  'calm',
  'clever',
  'cosmic',
  'crisp',
  'daring',
  'eager',
  'early',
  'fancy',
  'fluent',
  'gentle',
  'glad',
  'golden',
  'happy',
  'hidden',
  'honest',
  'humble',
  'jolly',
  'keen',
  'kind',
  'lively',
  'lucid',
  'lucky',
  'merry',
  'mighty',
  'modest',
  'nimble',
  'noble',
  'patient',
  'plucky',
  'polite',
  'proud',
  'quick',
  'quiet',
  'rapid',
  'ready',
  'serene',
  'sharp',
  'shiny',
  'silent',
  'smart',
  'steady',
  'sunny',
  'swift',
  'tidy',
  'vivid',
  'warm',
  'wise',
  'witty',
  'zesty',
];
const NOUNS = [
  'anchor',
  'atlas',
  'beacon',
  'breeze',
  'buoy',
  'canal',
  'cape',
  'compass',
  'coral',
  'cove',
  'current',
  'delta',
  'dock',
  'dune',
  'estuary',
  'ferry',
  'fjord',
  'gull',
  'harbor',
  'helm',
  'inlet',
  'island',
  'jetty',
  'keel',
  'lagoon',
  'lantern',
  'mast',
  'marina',
  'mooring',
  'narwhal',
  'orca',
  'otter',
  'pelican',
  'pier',
  'port',
  'quay',
  'reef',
  'rudder',
  'sail',
  'schooner',
  'shoal',
  'skiff',
  'sound',
  'strait',
  'tide',
  'voyage',
  'wharf',
];

/** A random `adjective_noun` not in use (a digit suffix on collision, as docker does). */
export function generateName(inUse: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    let name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
    if (attempt > 10) name += randomInt(10);
    if (!inUse(`/${name}`)) return `/${name}`;
  }
}
