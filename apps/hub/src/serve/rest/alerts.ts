import {
  Alert,
  AlertRule,
  AlertRuleInput,
  AlertTransition,
  NotificationChannel,
  NotificationChannelInput,
  Silence,
  SilenceInput,
} from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { VigilError } from '../../errors.ts';
import { userOf } from '../auth-hooks.ts';
import type { ServeContext } from '../context.ts';

const IdParams = z.object({ id: z.coerce.number().int().positive() });
// Eight characters: a webhook secret has at least eight, and the masked channel must still pass its schema.
const SECRET = '••••••••';

/** A channel as listed: secrets (webhook secret, SMTP password) are never sent back. */
function masked(channel: NotificationChannel): NotificationChannel {
  const c = { ...channel.config } as Record<string, unknown>;
  if (c.secret) c.secret = SECRET;
  if (c.password) c.password = SECRET;
  return { ...channel, config: c as NotificationChannel['config'] };
}

/** Rules, alerts (with acknowledge and resolve), channels (with a test send) and silences. */
export function registerAlertRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const alerting = ctx.alerting;
  const store = ctx.stores.alerts;
  const parseRule = (input: unknown) => {
    const { ...rule } = AlertRuleInput.parse(input);
    return rule;
  };
  const checkChannels = (names: string[] | undefined) => {
    const known = new Set(store.channels().map((c) => c.config.name));
    const unknown = (names ?? []).filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new VigilError('VIGIL_ERR_VALIDATION', `body.channels: no channel named ${unknown.map((n) => `"${n}"`).join(', ')}`, {
        field: 'body.channels',
      });
  };
  const rule = (id: number) => {
    const found = alerting.currentRules().find((r) => r.id === id);
    if (!found) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no alert rule ${id}`);
    return found;
  };

  app.get(
    '/api/v1/alert-rules',
    { schema: { tags: ['alerts'], summary: 'The alert rules', response: { 200: z.array(AlertRule) } } },
    async () => alerting.currentRules() as AlertRule[],
  );

  app.post(
    '/api/v1/alert-rules',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Create an alert rule',
        description:
          'As small as {"name": "cpu", "metric": "cpu_usage_percent", "op": ">", "warning": 80, "critical": 95, "for": "5m"}: all hosts, every channel.',
        body: AlertRuleInput,
        response: { 201: AlertRule },
      },
    },
    async (request, reply) => {
      checkChannels(request.body.channels);
      const created = store.addRule(parseRule(request.body), 'api');
      alerting.reloadRules();
      return reply.status(201).send(created);
    },
  );

  app.get('/api/v1/alert-rules/:id', { schema: { tags: ['alerts'], params: IdParams, response: { 200: AlertRule } } }, async (request) =>
    rule(request.params.id),
  );

  app.put(
    '/api/v1/alert-rules/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['alerts'], summary: 'Replace an alert rule', params: IdParams, body: AlertRuleInput, response: { 200: AlertRule } },
    },
    async (request) => {
      const existing = rule(request.params.id);
      if (existing.source === 'config') throw new VigilError('VIGIL_ERR_CONFLICT', 'this rule comes from vigil.yaml: change it there');
      checkChannels(request.body.channels);
      store.updateRule(existing.id, parseRule(request.body));
      alerting.reloadRules();
      return rule(existing.id);
    },
  );

  app.delete(
    '/api/v1/alert-rules/:id',
    { config: { access: 'admin' }, schema: { tags: ['alerts'], params: IdParams } },
    async (request, reply) => {
      const existing = rule(request.params.id);
      if (existing.source === 'config') throw new VigilError('VIGIL_ERR_CONFLICT', 'this rule comes from vigil.yaml: remove it there');
      store.removeRule(existing.id);
      alerting.reloadRules();
      return reply.status(204).send();
    },
  );

  const AlertsQuery = z.object({
    state: z.enum(['pending', 'firing', 'resolved', 'active']).optional(),
    hours: z.coerce
      .number()
      .positive()
      .max(24 * 366)
      .default(24),
    host: z.string().optional(),
    rule: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(500),
  });

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts of the last hours (state=active: pending and firing, whenever they started)',
        querystring: AlertsQuery,
        response: { 200: z.array(Alert) },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.state === 'active')
        return alerting.engine
          .activeAlerts()
          .filter((a) => (!q.host || a.hostId === q.host) && (!q.rule || a.ruleId === q.rule))
          .map((a) => alerting.alert(a.id) as Alert);
      return store
        .alerts({ state: q.state, since: Date.now() - q.hours * 3_600_000, hostId: q.host, ruleId: q.rule, limit: q.limit })
        .map((a) => (a.state === 'resolved' ? a : (alerting.alert(a.id) ?? a)));
    },
  );

  app.get(
    '/api/v1/alerts/statistics',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts fired in the last hours, by severity, rule and host',
        querystring: z.object({
          hours: z.coerce
            .number()
            .positive()
            .max(24 * 366)
            .default(24),
        }),
        response: {
          200: z.object({
            hours: z.number(),
            total: z.number(),
            firing: z.number(),
            bySeverity: z.record(z.string(), z.number()),
            byRule: z.record(z.string(), z.number()),
            byHost: z.record(z.string(), z.number()),
          }),
        },
      },
    },
    async (request) => ({ hours: request.query.hours, ...store.statistics(Date.now() - request.query.hours * 3_600_000) }),
  );

  app.get(
    '/api/v1/alerts/:id',
    {
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its transitions',
        params: IdParams,
        response: { 200: Alert.extend({ transitions: z.array(AlertTransition) }) },
      },
    },
    async (request) => {
      const alert = alerting.alert(request.params.id);
      if (!alert) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no alert ${request.params.id}`);
      return { ...alert, transitions: store.transitions(alert.id) };
    },
  );

  app.post(
    '/api/v1/alerts/:id/ack',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert (no repeat notifications)',
        params: IdParams,
        body: z.object({ comment: z.string().max(2000).optional() }).default({}),
        response: { 200: Alert },
      },
    },
    async (request) => {
      const existing = alerting.alert(request.params.id);
      if (!existing) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no alert ${request.params.id}`);
      return alerting.acknowledge(existing.id, userOf(request).name, request.body?.comment ?? null) as Alert;
    },
  );

  app.post(
    '/api/v1/alerts/:id/resolve',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Resolve an alert by hand (it stays quiet until its condition clears)',
        params: IdParams,
        response: { 200: Alert },
      },
    },
    async (request) => {
      const resolved = alerting.engine.resolveManually(request.params.id, userOf(request).name);
      if (!resolved)
        throw new VigilError(
          alerting.alert(request.params.id) ? 'VIGIL_ERR_CONFLICT' : 'VIGIL_ERR_NOT_FOUND',
          `alert ${request.params.id} is not open`,
        );
      return alerting.alert(resolved.id) as Alert;
    },
  );

  app.get(
    '/api/v1/channels',
    {
      config: { access: 'admin' },
      schema: { tags: ['alerts'], summary: 'Notification channels (secrets masked)', response: { 200: z.array(NotificationChannel) } },
    },
    async () => store.channels().map(masked),
  );

  app.post(
    '/api/v1/channels',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Add a channel: log, webhook or email',
        description: 'As small as {"type": "webhook", "name": "ops", "url": "https://..."}.',
        body: NotificationChannelInput,
        response: { 201: NotificationChannel },
      },
    },
    async (request, reply) => {
      if (store.channels().some((c) => c.config.name === request.body.name))
        throw new VigilError('VIGIL_ERR_CONFLICT', `a channel named "${request.body.name}" exists already`);
      const created = store.addChannel(request.body);
      alerting.dispatcher.reload();
      return reply.status(201).send(masked(created));
    },
  );

  app.put(
    '/api/v1/channels/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Replace a channel (masked secrets are kept)',
        params: IdParams,
        body: NotificationChannelInput,
        response: { 200: NotificationChannel },
      },
    },
    async (request) => {
      const existing = store.channels().find((c) => c.id === request.params.id);
      if (!existing) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no channel ${request.params.id}`);
      if (store.channelSource(existing.id) === 'config')
        throw new VigilError('VIGIL_ERR_CONFLICT', 'this channel comes from vigil.yaml: change it there');
      const next = { ...request.body } as Record<string, unknown>;
      const old = existing.config as Record<string, unknown>;
      for (const key of ['secret', 'password']) if (next[key] === SECRET) next[key] = old[key];
      store.updateChannel(existing.id, next as NotificationChannel['config']);
      alerting.dispatcher.reload();
      return masked(store.channels().find((c) => c.id === existing.id) as NotificationChannel);
    },
  );

  app.delete(
    '/api/v1/channels/:id',
    { config: { access: 'admin' }, schema: { tags: ['alerts'], params: IdParams } },
    async (request, reply) => {
      if (store.channelSource(request.params.id) === 'config')
        throw new VigilError('VIGIL_ERR_CONFLICT', 'this channel comes from vigil.yaml: remove it there');
      if (!store.removeChannel(request.params.id)) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no channel ${request.params.id}`);
      alerting.dispatcher.reload();
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/channels/:id/test',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['alerts'],
        summary: 'Send a test notification now',
        params: IdParams,
        response: { 200: z.object({ ok: z.boolean(), error: z.string().nullable() }) },
      },
    },
    async (request) => {
      if (!store.channels().some((c) => c.id === request.params.id))
        throw new VigilError('VIGIL_ERR_NOT_FOUND', `no channel ${request.params.id}`);
      return alerting.dispatcher.test(request.params.id);
    },
  );

  app.get(
    '/api/v1/silences',
    { schema: { tags: ['alerts'], summary: 'Silences and maintenance windows', response: { 200: z.array(Silence) } } },
    async () => store.silences(),
  );

  app.post(
    '/api/v1/silences',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Silence notifications: for a while, or in a repeating maintenance window, by host, tag or rule',
        body: SilenceInput,
        response: { 201: Silence },
      },
    },
    async (request, reply) => {
      const body = SilenceInput.parse(request.body);
      if (body.ruleId !== undefined) rule(body.ruleId);
      return reply.status(201).send(store.addSilence({ ...body, scope: body.scope }, userOf(request).name));
    },
  );

  app.delete(
    '/api/v1/silences/:id',
    { config: { access: 'operator' }, schema: { tags: ['alerts'], params: IdParams } },
    async (request, reply) => {
      if (!store.removeSilence(request.params.id)) throw new VigilError('VIGIL_ERR_NOT_FOUND', `no silence ${request.params.id}`);
      return reply.status(204).send();
    },
  );
}
