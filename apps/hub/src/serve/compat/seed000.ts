import { type Frame, Seed000Metrics, toSeed000Metrics, toSeed000Node } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { VigilError } from '../../errors.ts';
import type { FrameHead, LiveHost, LiveState } from '../../ingest/index.ts';
import type { ServeContext } from '../context.ts';

/**
 * The host a seed route describes when the client does not say: the hub's own host (its local agent), or
 * else the first online host by name.
 */
export function defaultHost(live: LiveState, localHostId: string | null, requested?: string): LiveHost & { latest: Frame } {
  if (requested) {
    const host = live.get(requested);
    if (!host) throw new VigilError('VIGIL_ERR_HOST_NOT_FOUND', `no host "${requested}"`);
    if (!host.head) throw new VigilError('VIGIL_ERR_HOST_OFFLINE', `host "${requested}" has not reported yet`);
    return host as LiveHost & { latest: Frame };
  }
  const local = localHostId ? live.get(localHostId) : undefined;
  if (local?.head) return local as LiveHost & { latest: Frame };
  const first = [...live.hosts.values()]
    .filter((h) => h.head && h.status === 'online')
    .sort((a, b) => a.record.id.localeCompare(b.record.id))[0];
  if (!first) throw new VigilError('VIGIL_ERR_HOST_OFFLINE', 'no host has reported yet');
  return first as LiveHost & { latest: Frame };
}

/** Seed 000: `GET /api/metrics`, the dashboard's JSON, with `nodes` = every connected host. */
export function registerSeed000(root: FastifyInstance, ctx: ServeContext, localHostId: () => string | null): void {
  root.withTypeProvider<ZodTypeProvider>().get(
    '/api/metrics',
    {
      schema: {
        tags: ['compat'],
        summary: 'Seed 000 dashboard metrics: this host, its top processes, and every connected host as a node',
        querystring: z.object({ host: z.string().optional() }),
        response: { 200: Seed000Metrics },
      },
    },
    async (request) => {
      const host = defaultHost(ctx.live, localHostId(), request.query.host);
      const nodes = [...ctx.live.hosts.values()]
        .filter((h) => h.status === 'online' && h.head)
        .sort((a, b) => a.record.hostname.localeCompare(b.record.hostname))
        .map((h) => toSeed000Node(h.record.hostname, h.head as FrameHead));
      return toSeed000Metrics(host.latest, nodes);
    },
  );
}
