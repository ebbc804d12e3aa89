import type { FastifyInstance } from 'fastify';
import type { ServeContext } from '../context.ts';

/** `GET /api/v1/agent/connect`: agents' WebSocket (Authorization: Bearer <agent token>). */
export function registerAgentSocket(app: FastifyInstance, ctx: ServeContext): void {
  app.get(
    '/api/v1/agent/connect',
    { websocket: true, config: { access: 'agent', rateLimit: false }, schema: { hide: true } },
    (socket, request) => {
      const principal = request.principal;
      ctx.ingest.accept(
        socket,
        principal?.type === 'agent' ? { id: principal.tokenId, name: principal.name } : { id: '', name: 'unknown' },
        request.ip,
      );
    },
  );
}
