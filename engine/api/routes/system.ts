import { hostname, cpus, totalmem, release, arch } from 'node:os';
import type { Router } from '../router.js';
import { sendJSON, type RequestContext } from '../http.js';
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from '../version.js';
import type { Engine } from '../../engine.js';

function pingHeaders(res: RequestContext['res']): void {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `Berth/${ENGINE_VERSION} (linux)`);
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
}

/** Maps Node's arch names to the ones Go (and so docker) prints. */
export function goArch(nodeArch: string = arch()): string {
  return (
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as const)[
      nodeArch as 'x64'
    ] ?? nodeArch
  );
}

function unameMachine(): string {
  return ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[arch()] ?? arch();
}

export function systemRoutes(router: Router, engine: Engine): void {
  router.get('/_ping', ({ res }) => {
    pingHeaders(res);
    res.writeHead(200);
    res.end('OK');
  });
  router.head('/_ping', ({ res }) => {
    pingHeaders(res);
    res.writeHead(200);
    res.end();
  });

  router.get('/version', ({ res }) => {
    sendJSON(res, 200, {
      Platform: { Name: 'Berth Engine' },
      Components: [
        {
          Name: 'Engine',
          Version: ENGINE_VERSION,
          Details: {
            ApiVersion: API_VERSION,
            MinAPIVersion: MIN_API_VERSION,
            Arch: goArch(),
            Os: 'linux',
            KernelVersion: release(),
            NodeVersion: process.version,
          },
        },
      ],
      Version: ENGINE_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node${process.version}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: release(),
      BuildTime: '',
    });
  });

  router.get('/info', ({ res }) => {
    const images = engine.images.count();
    const config = engine.config;
    const all = engine.containerStore.all();
    const running = all.filter((c) => c.state.running && !c.state.paused).length;
    const paused = all.filter((c) => c.state.paused).length;
    sendJSON(res, 200, {
      ID: engine.id,
      Containers: all.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: all.length - running - paused,
      Images: images,
      Driver: 'overlayfs',
      DriverStatus: [],
      Plugins: {
        Volume: ['local'],
        Network: ['bridge', 'host', 'null'],
        Authorization: null,
        Log: ['json-file'],
      },
      MemoryLimit: true,
      SwapLimit: true,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      Debug: false,
      NFd: 0,
      OomKillDisable: false,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: '2',
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: 'Berth Engine',
      OSVersion: '',
      OSType: 'linux',
      Architecture: unameMachine(),
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
        IndexConfigs: {
          'docker.io': { Name: 'docker.io', Mirrors: config.registryMirrors, Secure: true, Official: true },
        },
        Mirrors: config.registryMirrors,
      },
      NCPU: cpus().length,
      MemTotal: totalmem(),
      DockerRootDir: engine.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: { crun: { path: 'crun' }, runc: { path: 'runc' } },
      DefaultRuntime: 'crun',
      Swarm: {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: 'inactive',
        ControlAvailable: false,
        Error: '',
        RemoteManagers: null,
      },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: 'catatonit',
      SecurityOptions: ['name=seccomp,profile=builtin'],
      Warnings: [],
      // Rootless without delegated cgroups: what dockerd's rootless mode answers.
      ...(engine.rootless && !engine.rootless.cgroups
        ? {
            CgroupDriver: 'none',
            MemoryLimit: false,
            SwapLimit: false,
            CpuCfsPeriod: false,
            CpuCfsQuota: false,
            CPUShares: false,
            CPUSet: false,
            PidsLimit: false,
            SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless'],
          }
        : {}),
    });
  });
}
