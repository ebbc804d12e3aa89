import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import { VIGIL_VERSION } from '@vigil/schema';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { toProblem, VigilError } from '../errors.ts';
import { installAuth } from './auth-hooks.ts';
import { registerCompatRoutes } from './compat/index.ts';
import type { ServeContext } from './context.ts';
import { registerPrometheusRoute } from './prometheus.ts';
import { registerRestRoutes } from './rest/index.ts';
import { registerAgentDistRoutes } from './web/agent-dist.ts';
import { registerWebRoutes, webInlineScriptSources } from './web/index.ts';
import { registerAgentSocket } from './ws/agent.ts';
import type { LiveFanout } from './ws/fanout.ts';
import { registerLiveSocket } from './ws/live.ts';

export type App = FastifyInstance;

/** Replaces token values in a URL's query string, so tokens never reach the logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|once|access_token)=)[^&#]*/gi, '$1[redacted]');
}

/** Builds the hub's HTTP server: REST under /api/v1, the seeds' routes, WebSockets, and the OpenAPI document. */
export async function buildApp(
  ctx: ServeContext,
  fanout: LiveFanout,
  options: { loggerInstance: FastifyBaseLogger; https?: { cert: Buffer; key: Buffer } },
): Promise<App> {
  const app = Fastify({
    loggerInstance: options.loggerInstance,
    ...(options.https ? { https: options.https } : {}),
    trustProxy: ctx.config.server.trustProxy,
    bodyLimit: 1024 * 1024,
    // Requests are not logged one by one (a busy dashboard would flood the log); errors are.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error: FastifyError | VigilError, request, reply) => {
    let problem: VigilError;
    if (error instanceof VigilError) problem = error;
    else if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const where = `${error.validationContext ?? 'body'}${first?.instancePath ? first.instancePath.replaceAll('/', '.') : ''}`;
      problem = new VigilError('VIGIL_ERR_VALIDATION', `${where}: ${first?.message ?? 'invalid'}`, { field: where });
    } else if (error.statusCode === 429) problem = new VigilError('VIGIL_ERR_RATE_LIMITED', error.message);
    else if (error.statusCode === 413) problem = new VigilError('VIGIL_ERR_PAYLOAD_TOO_LARGE', error.message);
    else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
      problem = new VigilError('VIGIL_ERR_BAD_REQUEST', error.message);
    else {
      request.log.error({ err: error, url: redactUrl(request.url) }, 'unexpected error');
      problem = new VigilError('VIGIL_ERR_INTERNAL', 'something went wrong on the hub; the details are in its log');
    }
    reply.status(problem.status).type('application/problem+json').send(toProblem(problem));
  });
  app.setNotFoundHandler((request, reply) => {
    const problem = new VigilError('VIGIL_ERR_NOT_FOUND', `no route ${request.method} ${redactUrl(request.url).split('?')[0]}`);
    reply.status(404).type('application/problem+json').send(toProblem(problem));
  });

  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...webInlineScriptSources()],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    hsts: !!ctx.config.server.tls,
  });
  await app.register(rateLimit, {
    global: true,
    max: ctx.config.auth.apiRequestsPerMinute,
    timeWindow: '1 minute',
    // Per token when there is one (so a dashboard behind a proxy is not lumped with everyone), else per address.
    keyGenerator: (request) => request.principal?.tokenId ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`rate limit exceeded: ${context.max} requests per ${context.after}`), { statusCode: 429 }),
  });
  // The socket library's own limit is a memory guard only: it closes without a reason. The agent limit
  // itself is checked by the ingest, which closes with a reason naming it.
  await app.register(websocket, { options: { maxPayload: 2 * ctx.config.agent.maxMessageBytes, perMessageDeflate: true } });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Vigil hub API',
        version: VIGIL_VERSION,
        description: 'Real-time infrastructure monitoring: hosts, processes, connections, process control.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'vigil_session' } },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  installAuth(app, ctx.auth);
  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  registerAgentSocket(app, ctx);
  registerLiveSocket(app, ctx, fanout);
  registerRestRoutes(app, ctx);
  registerCompatRoutes(app, ctx, fanout);
  registerPrometheusRoute(app, ctx, fanout);
  registerAgentDistRoutes(app, ctx);
  await registerWebRoutes(app);
  return app;
}
