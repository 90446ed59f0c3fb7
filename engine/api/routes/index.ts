import { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { systemRoutes } from './system.js';
import { eventRoutes } from './events.js';
import { imageRoutes } from './images.js';
import { distributionRoutes } from './distribution.js';
import { archiveRoutes } from './archive.js';
import { volumeRoutes } from './volumes.js';
import { containerRoutes } from './containers.js';
import { stdioRoutes } from './stdio.js';
import { networkRoutes } from './networks.js';
import { containerFileRoutes } from './container-files.js';

export function buildRouter(engine: Engine): Router {
  const router = new Router();
  systemRoutes(router, engine);
  eventRoutes(router, engine);
  imageRoutes(router, engine);
  distributionRoutes(router, engine);
  archiveRoutes(router, engine);
  volumeRoutes(router, engine.volumes);
  containerRoutes(router, engine);
  stdioRoutes(router, engine);
  networkRoutes(router, {
    networks: engine.networks,
    resolveContainer: (ref) => {
      const rec = engine.containers.resolve(ref);
      return { id: rec.id, name: rec.name.slice(1) };
    },
  });
  containerFileRoutes(router, engine);
  return router;
}
