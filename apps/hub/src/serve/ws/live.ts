import type { FastifyInstance } from 'fastify';
import type { ServeContext } from '../context.ts';
import type { LiveFanout } from './fanout.ts';

/** `GET /api/v1/live`: the live WebSocket of the web app and CLI (messages in @vigil/schema live.ts). */
export function registerLiveSocket(app: FastifyInstance, _ctx: ServeContext, fanout: LiveFanout): void {
  app.get('/api/v1/live', { websocket: true, config: { access: 'viewer' }, schema: { hide: true } }, (socket) => fanout.add(socket));
}
