import { Health, VIGIL_VERSION } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServeContext } from '../context.ts';

/** `GET /api/health`: the one unauthenticated route, for load balancers and `vigil status`. */
export function registerHealthRoute(root: FastifyInstance, ctx: ServeContext): void {
  const started = Date.now();
  root.withTypeProvider<ZodTypeProvider>().get(
    '/api/health',
    {
      config: { access: 'public', rateLimit: false },
      schema: { tags: ['health'], summary: 'Liveness and a count of hosts', security: [], response: { 200: Health } },
    },
    async () => {
      const summaries = ctx.live.summaries();
      const online = summaries.filter((h) => h.status === 'online').length;
      return {
        status: 'ok' as const,
        version: VIGIL_VERSION,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        monitoring: ctx.ingest.paused ? ('paused' as const) : ('running' as const),
        hosts: { online, offline: summaries.length - online },
        timestamp: new Date().toISOString(),
      };
    },
  );
}
