import './context.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows } from '../auth/roles.ts';
import type { AuthService, Principal } from '../auth/service.ts';
import { VigilError } from '../errors.ts';

export const SESSION_COOKIE = 'vigil_session';

/** The secret a request carries: Authorization: Bearer, the session cookie, or ?token= on WebSocket upgrades (browsers cannot set headers there; seed 002 uses it). */
export function requestSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (cookie) return cookie;
  if (request.headers.upgrade?.toLowerCase() === 'websocket') {
    const token = (request.query as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string' && token) return token;
  }
  return null;
}

/** The same-origin check for cookie-authenticated requests that change things (CSRF). */
function checkOrigin(request: FastifyRequest): void {
  // A WebSocket upgrade is a GET, but it opens a channel a foreign page could read from (cross-site WebSocket hijacking).
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  if (!upgrade && (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS')) return;
  if (request.headers.authorization || !request.cookies?.[SESSION_COOKIE]) return;
  const origin = request.headers.origin;
  if (!origin) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new VigilError('VIGIL_ERR_FORBIDDEN', 'the Origin header is not a URL');
  }
  const host = request.headers['x-forwarded-host'] ?? request.headers.host;
  if (originHost !== host) throw new VigilError('VIGIL_ERR_FORBIDDEN', `cross-origin request from ${origin} refused`);
}

/**
 * Authenticates every request and enforces each route's `access` (default: viewer). A missing or bad
 * token is 401, a role too low 403.
 */
export function installAuth(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('principal', null);
  // Who is asking, for every request; what they may do is checked in each route's own onRequest hooks, after
  // the rate limiter's (@fastify/rate-limit adds its hook per route), so that refused requests count too.
  app.addHook('onRequest', async (request) => {
    const secret = requestSecret(request);
    request.principal = secret ? auth.authenticate(secret) : null;
    // No route matched: the not-found handler gets no route hooks, and needs a login like any route.
    if (!request.routeOptions.url) await enforceAccess(request);
  });
  app.addHook('onRoute', (route) => {
    const own = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [...own, enforceAccess];
  });
}

/** Enforces the matched route's `access`: 401 without a valid token, 403 for the wrong kind of token or a role too low. */
async function enforceAccess(request: FastifyRequest): Promise<void> {
  const access = request.routeOptions.config?.access ?? 'viewer';
  if (access === 'public') return;
  const principal: Principal | null = request.principal;
  if (!principal)
    throw new VigilError(
      'VIGIL_ERR_UNAUTHENTICATED',
      requestSecret(request) ? 'the token is not valid (unknown, revoked or expired)' : 'log in, or send Authorization: Bearer <token>',
    );
  if (access === 'agent') {
    if (principal.type !== 'agent') throw new VigilError('VIGIL_ERR_FORBIDDEN', 'this endpoint takes agent tokens only');
    return;
  }
  if (principal.type !== 'user') throw new VigilError('VIGIL_ERR_FORBIDDEN', 'an agent token cannot use the API');
  if (!allows(principal.role, access)) throw new VigilError('VIGIL_ERR_FORBIDDEN', `needs the ${access} role; you are ${principal.role}`);
  checkOrigin(request);
}

/** The authenticated user of a route that requires one. */
export function userOf(request: FastifyRequest): Extract<Principal, { type: 'user' }> {
  const principal = request.principal;
  if (principal?.type !== 'user') throw new VigilError('VIGIL_ERR_UNAUTHENTICATED');
  return principal;
}
