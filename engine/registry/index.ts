export { RegistryClient } from './client.js';
export type { ResolvedImage, RequestOpts, ResolveOpts, BlobOpts } from './client.js';
export type { RegistryConfig, Endpoint } from './endpoints.js';
export { endpointsFor, isInsecureHost } from './endpoints.js';
export type { AuthConfig, Credentials } from './credentials.js';
export {
  DockerConfigCredentials,
  DOCKER_HUB_SERVER,
  credentialsFromAuthConfig,
  decodeRegistryAuthHeader,
  normalizeServerAddress,
} from './credentials.js';
export * from './manifest.js';
export type { PlatformSpec } from './platform.js';
export {
  choosePlatformManifest,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
} from './platform.js';
export { BlobVerificationError } from './blob-stream.js';
export { parseWwwAuthenticate } from './challenge.js';
export type { Challenge } from './challenge.js';
