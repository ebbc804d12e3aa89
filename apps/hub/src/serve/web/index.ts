import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The first of these folders (relative to this module, in the sources or in the bundled command) that holds `file`. */
function findDir(candidates: string[], file: string): string | null {
  for (const relative of candidates) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}${file}`)) return dir;
  }
  return null;
}

/** The built dashboard's folder (with a trailing slash), or null without a build. */
function webDist(): string | null {
  return findDir(['../../../../web/dist/', '../../../web/dist/'], 'index.html');
}

/**
 * CSP sources for the inline scripts of the dashboard's index.html ('sha256-…' each): its boot script starts the
 * session check and the live connection before the app's code has loaded, and must run under script-src 'self'.
 */
export function webInlineScriptSources(): string[] {
  const dist = webDist();
  if (!dist) return [];
  const html = readFileSync(`${dist}index.html`, 'utf8');
  const sources: string[] = [];
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    sources.push(
      `'sha256-${createHash('sha256')
        .update(match[1] as string)
        .digest('base64')}'`,
    );
  }
  return sources;
}

/** Paths of the single-page app: each answers with its index.html, the app routes in the browser. */
const APP_ROUTES = ['/', '/login', '/hosts/*', '/alerts', '/alerts/*', '/settings', '/settings/*'];

/**
 * The web dashboard (apps/web, built into apps/web/dist by `npm run build`). Without a build, the hub's
 * small built-in page (apps/hub/public) stands in: login, the fleet and top processes, live.
 */
export async function registerWebRoutes(app: FastifyInstance): Promise<void> {
  const dist = webDist();
  if (dist) {
    const index = readFileSync(`${dist}index.html`, 'utf8');
    await app.register(async (assets) => {
      // The login page needs its scripts and styles before anyone has logged in.
      assets.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public' };
      });
      await assets.register(fastifyStatic, {
        root: `${dist}assets`,
        prefix: '/assets/',
        // File names carry a content hash: they never change, so browsers may keep them.
        maxAge: '365d',
        immutable: true,
        // The build writes .br and .gz copies of each asset: sent to browsers that accept them.
        preCompressed: true,
        decorateReply: false,
        schemaHide: true,
      });
    });
    for (const path of APP_ROUTES) {
      app.get(path, { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index),
      );
    }
    return;
  }
  const dir = findDir(['../../../public/', '../../../hub/public/'], 'index.html');
  if (!dir) throw new Error('cannot find the web dashboard (apps/web/dist) nor the hub page (apps/hub/public)');
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
