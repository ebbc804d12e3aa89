import { Readable } from 'node:stream';
import { CustomMetricName, METRICS } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { VigilError } from '../../errors.ts';
import type { SeriesInfo } from '../../store/tsdb/index.ts';
import type { ServeContext } from '../context.ts';
import { HostParams } from './hosts.ts';
import { requireHost } from './tables.ts';
import { DurationParam, parseDuration, parseTime, TimeParam } from './time.ts';

/** Points a single query may return at most; beyond, the caller is asked for a step. */
const MAX_POINTS = 2_000_000;

const QuerySeries = z.object({
  host: z.string(),
  metric: z.string(),
  labels: z.record(z.string(), z.string()),
  unit: z.string().nullable(),
  points: z.array(z.array(z.number())),
});

export const QueryResponse = z.object({
  from: z.number(),
  to: z.number(),
  step: z.number().nullable(),
  tier: z.enum(['raw', 'minute', 'hour']),
  /** Raw points are [ts, value]; aggregated ones [ts, avg, min, max] per step. */
  columns: z.array(z.string()),
  series: z.array(QuerySeries),
  warnings: z.array(z.string()),
});

const asArray = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const StringList = z.preprocess(asArray, z.array(z.string().min(1).max(200)).max(100));

/** History: queries over time, process history, custom metrics, and export. */
export function registerHistoryRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/v1/metrics',
    {
      schema: {
        tags: ['history'],
        summary: 'The metric catalogue and the custom metrics stored, with units and series counts',
        response: {
          200: z.array(
            z.object({
              name: z.string(),
              help: z.string(),
              unit: z.string().nullable(),
              kind: z.string(),
              labels: z.array(z.string()),
              series: z.number().int(),
              custom: z.boolean(),
            }),
          ),
        },
      },
    },
    async () => {
      const counts = new Map(Object.entries(await ctx.storage.seriesCounts()));
      const custom = new Set([...counts.keys()].filter((name) => !METRICS.has(name)));
      return [
        ...[...METRICS.values()].map((m) => ({
          name: m.name,
          help: m.help,
          unit: m.unit,
          kind: m.kind,
          labels: [...m.labels],
          series: counts.get(m.name) ?? 0,
          custom: false,
        })),
        ...[...custom].sort().map((name) => ({
          name,
          help: 'custom metric',
          unit: null,
          kind: 'gauge',
          labels: [],
          series: counts.get(name) ?? 0,
          custom: true,
        })),
      ];
    },
  );

  app.get(
    '/api/v1/query',
    {
      schema: {
        tags: ['history'],
        summary: 'Series of one or more metrics over time',
        description:
          'from/to: Unix ms, RFC 3339, now, or relative (-1h). Without step, every raw sample; with step (30s, 5m, 1h or ms), avg/min/max per step from the tier that fits (raw, per-minute or per-hour). Label filters as label=name=value.',
        querystring: z.object({
          metric: StringList,
          host: StringList.optional(),
          label: StringList.optional(),
          from: TimeParam.default('-1h'),
          to: TimeParam.default('now'),
          step: DurationParam.optional(),
        }),
        response: { 200: QueryResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const now = Date.now();
      const stored = await ctx.storage.seriesCounts();
      const unknown = q.metric.filter((m) => !METRICS.has(m) && !stored[m]);
      if (unknown.length > 0)
        throw new VigilError(
          'VIGIL_ERR_VALIDATION',
          `querystring.metric: unknown metric ${unknown.map((m) => `"${m}"`).join(', ')} (see GET /api/v1/metrics)`,
          { field: 'querystring.metric' },
        );
      const labels: Record<string, string> = {};
      for (const l of q.label ?? []) {
        const eq = l.indexOf('=');
        if (eq <= 0)
          throw new VigilError('VIGIL_ERR_VALIDATION', `querystring.label: "${l}" is not name=value`, { field: 'querystring.label' });
        labels[l.slice(0, eq)] = l.slice(eq + 1);
      }
      const from = parseTime(q.from, now) as number;
      const to = parseTime(q.to, now) as number;
      if (from > to) throw new VigilError('VIGIL_ERR_VALIDATION', 'querystring.from: must not be after to', { field: 'querystring.from' });
      const step = q.step === undefined ? undefined : (parseDuration(q.step) as number);
      if (step !== undefined && step < 1000)
        throw new VigilError('VIGIL_ERR_VALIDATION', 'querystring.step: must be at least 1s', { field: 'querystring.step' });
      const matching = await ctx.storage.seriesMatching(q.metric, q.host);
      const perSeries = (to - from) / (step ?? 1000) + 1;
      if (matching.length * perSeries > MAX_POINTS) {
        throw new VigilError(
          'VIGIL_ERR_VALIDATION',
          `the query would return about ${Math.round(matching.length * perSeries)} points; give a larger step or fewer series`,
          { field: 'querystring.step' },
        );
      }
      const result = await ctx.storage.query({ metrics: q.metric, hosts: q.host, labels, from, to, step });
      return {
        ...result,
        columns: result.step === null ? ['ts', 'value'] : ['ts', 'avg', 'min', 'max'],
        series: result.series.map((s) => ({ ...s, unit: METRICS.get(s.metric)?.unit ?? null })),
      };
    },
  );

  const ProcessRow = z.object({
    pid: z.number(),
    name: z.string(),
    user: z.string(),
    cmdline: z.string(),
    cpuPercent: z.number(),
    memoryRssBytes: z.number(),
    memoryPercent: z.number(),
    ioReadBytesPerSecond: z.number(),
    ioWriteBytesPerSecond: z.number(),
  });

  app.get(
    '/api/v1/hosts/:id/processes/at',
    {
      schema: {
        tags: ['history'],
        summary: 'The top processes at a moment ("what was running then?")',
        params: HostParams,
        querystring: z.object({ ts: TimeParam }),
        response: {
          200: z.object({ hostId: z.string(), requested: z.number(), ts: z.number().nullable(), processes: z.array(ProcessRow) }),
        },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const ts = parseTime(request.query.ts, Date.now()) as number;
      const frame = await ctx.storage.processesAt(host.record.id, ts);
      return { hostId: host.record.id, requested: ts, ts: frame?.ts ?? null, processes: frame?.processes ?? [] };
    },
  );

  app.get(
    '/api/v1/hosts/:id/processes/top',
    {
      schema: {
        tags: ['history'],
        summary: 'The top consumers over a window, by CPU, memory or I/O (average and peak)',
        params: HostParams,
        querystring: z.object({
          from: TimeParam.default('-1h'),
          to: TimeParam.default('now'),
          by: z.enum(['cpu', 'memory', 'io']).default('cpu'),
          limit: z.coerce.number().int().min(1).max(200).default(20),
        }),
        response: {
          200: z.object({
            hostId: z.string(),
            from: z.number(),
            to: z.number(),
            by: z.string(),
            processes: z.array(
              z.object({
                pid: z.number(),
                name: z.string(),
                user: z.string(),
                cmdline: z.string(),
                seen: z.number(),
                cpuPercentAvg: z.number(),
                cpuPercentPeak: z.number(),
                memoryRssBytesAvg: z.number(),
                memoryRssBytesPeak: z.number(),
                ioBytesPerSecondAvg: z.number(),
                ioBytesPerSecondPeak: z.number(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const now = Date.now();
      const from = parseTime(request.query.from, now) as number;
      const to = parseTime(request.query.to, now) as number;
      return {
        hostId: host.record.id,
        from,
        to,
        by: request.query.by,
        processes: await ctx.storage.topProcesses(host.record.id, from, to, request.query.by, request.query.limit),
      };
    },
  );

  const CustomBody = z.object({
    host: z
      .string()
      .regex(/^[a-z0-9._-]+$/, 'must be a host id (lower case letters, digits, . _ -)')
      .max(128)
      .optional(),
    name: CustomMetricName,
    value: z.number(),
    labels: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*'), z.string().max(500))
      .optional(),
    ts: z.number().int().positive().optional(),
  });

  app.post(
    '/api/v1/metrics/custom',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['history'],
        summary: 'Store custom metric samples (a batch of {host?, name, value, labels?, ts?})',
        description:
          'Without host, samples belong to the hub’s own host. ts is Unix ms (default: now). Stored, queried and charted like built-in metrics.',
        body: z.union([z.array(CustomBody).min(1).max(10_000), z.object({ samples: z.array(CustomBody).min(1).max(10_000) })]),
        response: {
          200: z.object({ accepted: z.number().int(), rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })) }),
        },
      },
    },
    async (request) => {
      const samples = Array.isArray(request.body) ? request.body : request.body.samples;
      const byHost = new Map<string, { index: number; sample: (typeof samples)[number] }[]>();
      samples.forEach((sample, index) => {
        const host = sample.host ?? ctx.localHostId() ?? 'hub';
        byHost.set(host, [...(byHost.get(host) ?? []), { index, sample }]);
      });
      let accepted = 0;
      const rejected: { index: number; reason: string }[] = [];
      for (const [host, list] of byHost) {
        const r = await ctx.storage.appendCustom(
          host,
          list.map((x) => x.sample),
        );
        accepted += r.accepted;
        for (const x of r.rejected) rejected.push({ index: (list[x.index] as { index: number }).index, reason: x.reason });
      }
      return { accepted, rejected: rejected.sort((a, b) => a.index - b.index) };
    },
  );

  app.get(
    '/api/v1/export',
    {
      schema: {
        tags: ['history'],
        summary: 'Stream raw history as JSON or CSV',
        description:
          'Streams series by series, never holding a whole range in memory. X-Vigil-Series gives the number of series, for progress.',
        querystring: z.object({
          format: z.enum(['json', 'csv']).default('json'),
          hours: z.coerce
            .number()
            .positive()
            .max(24 * 366)
            .default(24),
          host: StringList.optional(),
          metric: StringList.optional(),
        }),
      },
    },
    async (request, reply) => {
      const q = request.query;
      const to = Date.now();
      const from = to - q.hours * 3_600_000;
      const series = (await ctx.storage.seriesMatching(q.metric, q.host)).sort(
        (a, b) => a.host.localeCompare(b.host) || a.key.localeCompare(b.key),
      );
      reply.header('x-vigil-series', String(series.length));
      reply.header(
        'content-disposition',
        `attachment; filename="vigil-export-${new Date(to).toISOString().slice(0, 19).replace(/[:T]/g, '')}.${q.format}"`,
      );
      reply.type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      return reply.send(Readable.from(exportRows(ctx, series, from, to, q.format)));
    },
  );
}

const csvField = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** Yields the export a series at a time, a chunk at a time. */
async function* exportRows(
  ctx: ServeContext,
  series: SeriesInfo[],
  from: number,
  to: number,
  format: 'json' | 'csv',
): AsyncGenerator<string> {
  yield format === 'csv' ? 'time,host,metric,labels,value\n' : `{"from":${from},"to":${to},"series":[`;
  let firstSeries = true;
  for (const s of series) {
    const result = await ctx.storage.query({ metrics: [s.metric], hosts: [s.host], labels: s.labels, from, to });
    const match = result.series.find((x) => x.metric === s.metric && JSON.stringify(x.labels) === JSON.stringify(s.labels));
    if (!match) continue;
    if (format === 'csv') {
      const labels = csvField(
        Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(';'),
      );
      let batch = '';
      for (const [ts, v] of match.points) {
        batch += `${new Date(ts as number).toISOString()},${csvField(s.host)},${s.metric},${labels},${v}\n`;
        if (batch.length > 64 * 1024) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    } else {
      yield `${firstSeries ? '' : ','}${JSON.stringify({ host: s.host, metric: s.metric, labels: s.labels, points: match.points })}`;
      firstSeries = false;
    }
    // Let other requests and ingest run between series.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (format === 'json') yield ']}';
}
