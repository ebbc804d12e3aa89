import type {} from '@fastify/cookie';
import type { Role } from '@vigil/schema';
import type { Alerting } from '../alert/index.ts';
import type { AuthService, Principal } from '../auth/service.ts';
import type { HubConfig } from '../config.ts';
import type { ProcessControl } from '../control/process-control.ts';
import type { Ingest, LiveState } from '../ingest/index.ts';
import type { Stores } from '../store/index.ts';
import type { HistoryStore } from '../store/tsdb/index.ts';

/** What the HTTP and WebSocket routes use of the hub. */
export interface ServeContext {
  config: HubConfig;
  stores: Stores;
  auth: AuthService;
  live: LiveState;
  ingest: Ingest;
  control: ProcessControl;
  storage: HistoryStore;
  alerting: Alerting;
  /** The URL users reach the hub at (for links). */
  publicUrl: () => string;
  /** The host id of the hub's own local agent, once it has connected. */
  localHostId: () => string | null;
}

/**
 * Who may call a route: anyone ("public"), any agent token ("agent"), or a user of at least this role.
 * Routes without a declared access need a viewer: secure by default.
 */
export type Access = 'public' | 'agent' | Role;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}
