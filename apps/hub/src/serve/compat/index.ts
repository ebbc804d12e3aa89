import type { FastifyInstance } from 'fastify';
import type { ServeContext } from '../context.ts';
import type { LiveFanout } from '../ws/fanout.ts';
import { registerSeed000 } from './seed000.ts';
import { registerSeed001 } from './seed001.ts';
import { registerSeed002 } from './seed002.ts';

export { toSeed002Snapshot } from './seed002.ts';

/** The routes of the five seed projects, with the shapes their READMEs document, so their clients work against Vigil. */
export function registerCompatRoutes(app: FastifyInstance, ctx: ServeContext, _fanout: LiveFanout): void {
  registerSeed000(app, ctx, () => ctx.localHostId());
  registerSeed001(app, ctx, () => ctx.localHostId());
  registerSeed002(app, ctx);
}
