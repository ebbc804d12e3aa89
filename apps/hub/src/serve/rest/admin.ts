import { AuditEntry, Password, TokenCreate, TokenCreated, TokenInfo, UserCreate, UserInfo, UserUpdate } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { VigilError } from '../../errors.ts';
import { userInfo } from '../../store/index.ts';
import { userOf } from '../auth-hooks.ts';
import type { ServeContext } from '../context.ts';

const IdParams = z.object({ id: z.string().min(1).max(64) });
const UserIdParams = z.object({ id: z.coerce.number().int().positive() });

/** Tokens, users and the audit log. */
export function registerAdminRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['tokens'],
        summary: 'Create an agent token or an API token (the secret is shown once)',
        body: TokenCreate,
        response: { 201: TokenCreated },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      return reply.status(201).send(ctx.auth.createToken({ userId: user.userId, role: user.role }, request.body));
    },
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'admin' },
      schema: { tags: ['tokens'], summary: 'Agent and API tokens (without their secrets)', response: { 200: z.array(TokenInfo) } },
    },
    async () => ctx.stores.tokens.list(),
  );

  app.delete(
    '/api/v1/tokens/:id',
    { config: { access: 'admin' }, schema: { tags: ['tokens'], summary: 'Revoke a token', params: IdParams } },
    async (request, reply) => {
      const token = ctx.stores.tokens.byId(request.params.id);
      if (!token || (token.kind !== 'agent' && token.kind !== 'api'))
        throw new VigilError('VIGIL_ERR_NOT_FOUND', `no token "${request.params.id}"`);
      ctx.stores.tokens.revoke(token.id);
      // An agent using a revoked token is cut off now, not at its next reconnect.
      if (token.kind === 'agent') ctx.ingest.revokeToken(token.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/users',
    { config: { access: 'admin' }, schema: { tags: ['users'], summary: 'Users and their roles', response: { 200: z.array(UserInfo) } } },
    async () => ctx.stores.users.list(),
  );

  app.post(
    '/api/v1/users',
    { config: { access: 'admin' }, schema: { tags: ['users'], summary: 'Create a user', body: UserCreate, response: { 201: UserInfo } } },
    async (request, reply) =>
      reply.status(201).send(await ctx.auth.createUser(request.body.name, request.body.password, request.body.role)),
  );

  app.patch(
    '/api/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Change a user's role or password",
        params: UserIdParams,
        body: UserUpdate,
        response: { 200: UserInfo },
      },
    },
    async (request) => {
      const target = ctx.stores.users.byId(request.params.id);
      if (!target) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no user ${request.params.id}`);
      if (request.body.role && request.body.role !== 'admin' && target.role === 'admin' && ctx.stores.users.countAdmins() === 1) {
        throw new VigilError('VIGIL_ERR_CONFLICT', 'this is the last admin; make another user admin first');
      }
      if (request.body.role) ctx.stores.users.update(target.id, { role: request.body.role });
      if (request.body.password) await ctx.auth.setPassword(target.id, request.body.password);
      return userInfo(ctx.stores.users.byId(target.id) as NonNullable<ReturnType<typeof ctx.stores.users.byId>>);
    },
  );

  app.delete(
    '/api/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], summary: 'Remove a user (and their sessions and tokens)', params: UserIdParams },
    },
    async (request, reply) => {
      const target = ctx.stores.users.byId(request.params.id);
      if (!target) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no user ${request.params.id}`);
      if (target.role === 'admin' && ctx.stores.users.countAdmins() === 1)
        throw new VigilError('VIGIL_ERR_CONFLICT', 'this is the last admin');
      ctx.stores.users.remove(target.id);
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/v1/users/me/password',
    { schema: { tags: ['users'], summary: 'Change your own password (ends your other sessions)', body: z.object({ password: Password }) } },
    async (request, reply) => {
      const user = userOf(request);
      await ctx.auth.setPassword(user.userId, request.body.password, user.tokenId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The process-control audit log, newest first',
        querystring: z.object({
          host: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(200),
          before: z.coerce.number().int().optional(),
        }),
        response: { 200: z.array(AuditEntry) },
      },
    },
    async (request) => ctx.stores.audit.list({ limit: request.query.limit, hostId: request.query.host, before: request.query.before }),
  );
}
