import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VigilError } from '../../errors.ts';
import type { ServeContext } from '../context.ts';

export const AGENT_BUNDLE = 'vigil-agent.mjs';

/**
 * Folders (relative to this module) that may hold each file: in the sources (apps/hub/src/serve/web), or in the
 * bundled command (apps/cli/dist and its chunks/). The bundle is built by scripts/build-agent.mjs; the
 * installer is deploy/install.sh.
 */
const BUNDLE_DIRS = ['../../../../cli/dist/', '../', './'];
const INSTALLER_DIRS = ['../../../../../deploy/', '../../../../deploy/', '../../../deploy/'];

interface Served {
  path: string;
  mtimeMs: number;
  size: number;
  body: Buffer;
  sha256: string;
}

/**
 * Reads a file on demand and keeps it while its size and time are unchanged, so a rebuild is served without a
 * restart; while the file is gone (a build clears its folder first), the last one read is still served.
 */
function servedFile(dirs: string[], file: string): () => Served | null {
  let cached: Served | null = null;
  return () => {
    const path = dirs.map((dir) => fileURLToPath(new URL(`${dir}${file}`, import.meta.url))).find((p) => existsSync(p));
    if (!path) return cached;
    const { mtimeMs, size } = statSync(path);
    if (cached?.path === path && cached.mtimeMs === mtimeMs && cached.size === size) return cached;
    const body = readFileSync(path);
    cached = { path, mtimeMs, size, body, sha256: createHash('sha256').update(body).digest('hex') };
    return cached;
  };
}

/** Quotes a value for a POSIX shell: inside single quotes, where only the quote itself needs care. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The installer as this hub serves it: deploy/install.sh with the hub's URL as the default of --hub, written
 * into its one line `VIGIL_HUB_DEFAULT=''`.
 */
export function renderInstaller(template: string, hubUrl: string): string {
  const marker = /^VIGIL_HUB_DEFAULT=''$/m;
  if (!marker.test(template)) throw new Error("install.sh has no line VIGIL_HUB_DEFAULT='' to write the hub's URL into");
  return template.replace(marker, () => `VIGIL_HUB_DEFAULT=${shellQuote(hubUrl)}`);
}

/**
 * The URL a host should reach this hub at: the configured public URL, else the address the request came to
 * (the hub's derived URL says localhost, useless to another host), else the derived one.
 */
export function installerHubUrl(ctx: ServeContext, request: FastifyRequest): string {
  if (ctx.config.server.publicUrl) return ctx.publicUrl();
  try {
    const url = new URL(`${request.protocol}://${request.host}`);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {}
  return ctx.publicUrl();
}

function missing(what: string): VigilError {
  return new VigilError('VIGIL_ERR_NOT_FOUND', `${what} is not built on this hub: run \`npm run build\` where it is installed`);
}

/**
 * The agent for new hosts: `GET /agent/vigil-agent.mjs` (with its sha256 in `x-vigil-sha256` and in an RFC 9530
 * `repr-digest`), `GET /agent/vigil-agent.mjs.sha256` (in sha256sum's format) and `GET /install.sh`. Public: the
 * code is no secret, the agent token is. Hidden from the OpenAPI document, like the other static files.
 */
export function registerAgentDistRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const bundle = servedFile(BUNDLE_DIRS, AGENT_BUNDLE);
  const installer = servedFile(INSTALLER_DIRS, 'install.sh');
  const options = { config: { access: 'public' as const }, schema: { hide: true } };

  app.get(`/agent/${AGENT_BUNDLE}`, options, async (_request, reply) => {
    const file = bundle();
    if (!file) throw missing('the agent bundle');
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('etag', `"${file.sha256}"`)
      .header('x-vigil-sha256', file.sha256)
      .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
      .send(file.body);
  });
  app.get(`/agent/${AGENT_BUNDLE}.sha256`, options, async (_request, reply) => {
    const file = bundle();
    if (!file) throw missing('the agent bundle');
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(`${file.sha256}  ${AGENT_BUNDLE}\n`);
  });
  app.get('/install.sh', options, async (request, reply) => {
    const file = installer();
    if (!file) throw missing('install.sh');
    // text/plain: a browser shows the script, to be read before it is piped to a shell.
    return reply
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(renderInstaller(file.body.toString('utf8'), installerHubUrl(ctx, request)));
  });
}
