/** OCI runtime spec generation with Docker's defaults. */
export * from './types.js';
export * from './capabilities.js';
export * from './seccomp.js';
export * from './mounts.js';
export * from './devices.js';
export * from './namespaces.js';
export * from './user.js';
export * from './rootfs-path.js';
export * from './files.js';
export * from './process.js';
export * from './resources.js';
export * from './security-opt.js';
export * from './sysctls.js';
export * from './spec.js';
