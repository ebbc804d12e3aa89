import { LoginRequest, LoginResponse, Role } from '@vigil/schema';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { requestSecret, SESSION_COOKIE, userOf } from '../auth-hooks.ts';
import type { ServeContext } from '../context.ts';

/**
 * A cookie the dashboard's page can read (the session cookie it cannot): it says someone signed in, so that the page
 * opens its live connection before its code has loaded (apps/web/index.html). It grants nothing.
 */
const SIGNED_IN_COOKIE = 'vigil_signed_in';

function setSessionCookie(reply: FastifyReply, ctx: ServeContext, token: string, expiresAt: number): void {
  const options = {
    path: '/',
    sameSite: 'strict',
    secure: !!ctx.config.server.tls || ctx.publicUrl().startsWith('https:'),
    expires: new Date(expiresAt),
  } as const;
  reply.setCookie(SESSION_COOKIE, token, { ...options, httpOnly: true });
  reply.setCookie(SIGNED_IN_COOKIE, '1', { ...options, httpOnly: false });
}

/** Login, logout, one-time links and "who am I". */
export function registerAuthRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const loginLimit = {
    rateLimit: { max: ctx.config.auth.loginAttemptsPerMinute, timeWindow: '1 minute', keyGenerator: (r: { ip: string }) => r.ip },
  };

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', ...loginLimit },
      schema: { tags: ['auth'], summary: 'Log in with a user name and password', body: LoginRequest, response: { 200: LoginResponse } },
    },
    async (request, reply) => {
      const session = await ctx.auth.login(request.body.username, request.body.password);
      setSessionCookie(reply, ctx, session.token, session.expiresAt);
      return session;
    },
  );

  app.post(
    '/api/v1/auth/link',
    {
      config: { access: 'public', ...loginLimit },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a one-time login link',
        body: z.object({ token: z.string().min(1) }),
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const session = ctx.auth.loginWithLink(request.body.token);
      setSessionCookie(reply, ctx, session.token, session.expiresAt);
      return session;
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'End this session' } },
    async (request, reply) => {
      const secret = requestSecret(request);
      if (secret && request.principal?.type === 'user' && request.principal.via === 'session') ctx.auth.logout(secret);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(SIGNED_IN_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'The logged-in user',
        response: { 200: z.object({ name: z.string(), role: Role, via: z.enum(['session', 'api']) }) },
      },
    },
    async (request) => {
      const user = userOf(request);
      return { name: user.name, role: user.role, via: user.via };
    },
  );
}
