import { Router } from '../router.js';
import type { Engine } from '../../engine.js';
import { systemRoutes } from './system.js';
import { eventRoutes } from './events.js';
import { imageRoutes } from './images.js';
import { distributionRoutes } from './distribution.js';
import { archiveRoutes } from './archive.js';

export function buildRouter(engine: Engine): Router {
  const router = new Router();
  systemRoutes(router, engine);
  eventRoutes(router, engine);
  imageRoutes(router, engine);
  distributionRoutes(router, engine);
  archiveRoutes(router, engine);
  return router;
}
