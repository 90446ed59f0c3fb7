export {
  NetworkManager,
  type NetworkManagerOptions,
  type EnsureOptions,
  type EndpointOptions,
  type Attachment,
  type AttachedEndpoint,
  type NetworkEventAction,
} from './manager.js';
export type { NetworkRecord, SandboxRecord } from './state.js';
export type { DockerNetwork } from './views.js';
export { renderHosts, type HostsEntry } from './hosts.js';
export {
  dockerPortMap,
  parsePortKey,
  type PortBinding,
  type PortRequest,
  type DockerPortBindings,
} from './ports.js';
