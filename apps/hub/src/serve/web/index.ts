import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/**
 * apps/hub/public, found from this module's location: in the sources (apps/hub/src/serve/web) or in the
 * bundled command (apps/cli/dist/chunks).
 */
function publicDir(): string {
  for (const relative of ['../../../public/', '../../../hub/public/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  throw new Error('cannot find the hub web assets (apps/hub/public)');
}

/**
 * The hub's own page at / (and /login): log in, the fleet as cards with the seed 000 colours, and the
 * selected host's top cards and processes, live over /api/v1/live. The full web dashboard replaces it.
 */
export function registerWebRoutes(app: FastifyInstance): void {
  const dir = publicDir();
  const page = readFileSync(`${dir}index.html`, 'utf8');
  const script = readFileSync(`${dir}interim.js`, 'utf8');
  for (const path of ['/', '/login']) {
    app.get(path, { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(page),
    );
  }
  app.get('/assets/interim.js', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script),
  );
}
