import type { FastifyInstance } from 'fastify';
import type { ServeContext } from '../context.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerAlertRoutes } from './alerts.ts';
import { registerAuthRoutes } from './auth.ts';
import { registerConnectionRoutes } from './connections.ts';
import { registerHealthRoute } from './health.ts';
import { registerHistoryRoutes } from './history.ts';
import { registerHostRoutes } from './hosts.ts';
import { registerProcessRoutes } from './processes.ts';
import { registerReportRoutes } from './reports.ts';

export { portUsage } from './connections.ts';
export { queryProcesses } from './processes.ts';
export { releaseHolds } from './tables.ts';

/** The REST API under /api/v1, and /api/health. */
export function registerRestRoutes(app: FastifyInstance, ctx: ServeContext): void {
  registerHealthRoute(app, ctx);
  registerAuthRoutes(app, ctx);
  registerHostRoutes(app, ctx);
  registerProcessRoutes(app, ctx);
  registerConnectionRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerHistoryRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerReportRoutes(app, ctx);
}
