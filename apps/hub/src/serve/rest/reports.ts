import { Readable } from 'node:stream';
import { ReportCsvTable, ReportFormat } from '@vigil/schema';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { VigilError } from '../../errors.ts';
import { buildReport, csvReport, htmlReport, jsonReport, pdfReport, type ReportHostInfo } from '../../report/index.ts';
import type { ServeContext } from '../context.ts';

const asArray = (v: unknown) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** The query of a report, for /api/v1/reports and seed 001's /api/export/report alike. */
export const ReportQuery = z.object({
  format: ReportFormat.default('json'),
  hours: z.coerce
    .number()
    .positive()
    .max(24 * 366)
    .default(24),
  host: z.preprocess(asArray, z.array(z.string().min(1).max(200)).max(1000)).optional(),
  table: ReportCsvTable.optional(),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const REPORT_DESCRIPTION =
  'The performance report of the last `hours` (default 24) for every host, or for the hosts named by `host` (repeatable): ' +
  'average, 95th percentile and maximum of CPU, memory, disk (per filesystem), network and load; trends with projections ' +
  '(least-squares lines: "full in N days at this rate"); top processes by CPU, memory and I/O; alert history and statistics; ' +
  'and recommendations, each with its evidence. json is the canonical model (the Report schema); html is one self-contained ' +
  'page with inline SVG charts; pdf has a title page with the summary and a section per host with vector charts; csv gives one ' +
  'table per request: table=metrics (default: a row per host and figure with avg, p95 and max), trends, processes, alerts or ' +
  'recommendations. Windows up to 48 h are computed from every raw sample, longer ones from per-minute or per-hour averages (see basis).';

const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

/** Reports computed at once; more wait their turn (a report over a large fleet is seconds of CPU). */
const CONCURRENT_REPORTS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  while (running >= CONCURRENT_REPORTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
/** YYYYMMDD_HHMMSS in the hub's local time, as the seeds name their files. */
const stamp = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
};

/** Computes the report a query asks for and streams it in its format. */
export async function sendReport(ctx: ServeContext, query: ReportQuery, reply: FastifyReply): Promise<FastifyReply> {
  if (query.table && query.format !== 'csv')
    throw new VigilError('VIGIL_ERR_VALIDATION', 'querystring.table: only with format=csv', { field: 'querystring.table' });
  for (const id of query.host ?? []) if (!ctx.live.get(id)) throw new VigilError('VIGIL_ERR_HOST_NOT_FOUND', `no host "${id}"`);
  const hosts: ReportHostInfo[] = [...ctx.live.hosts.values()]
    .filter((h) => !query.host || query.host.includes(h.record.id))
    .sort((a, b) => a.record.id.localeCompare(b.record.id))
    .map((h) => ({ id: h.record.id, hostname: h.record.hostname, identity: h.record.identity, status: h.status, lastSeen: h.lastSeen }));
  const report = await oneAtATime(() =>
    buildReport({ source: ctx.storage.reportSource(), alerts: ctx.stores.alerts, hosts, hours: query.hours }),
  );
  const name = `vigil-report-${stamp(report.to)}${query.table && query.table !== 'metrics' ? `-${query.table}` : ''}.${query.format}`;
  reply.header('content-disposition', `${query.format === 'csv' ? 'attachment' : 'inline'}; filename="${name}"`);
  reply.header('cache-control', 'no-store');
  reply.header('x-vigil-hosts', String(report.hosts.length));
  reply.type(CONTENT_TYPES[query.format]);
  if (query.format === 'pdf') return reply.send(pdfReport(report));
  const chunks =
    query.format === 'json' ? jsonReport(report) : query.format === 'csv' ? csvReport(report, query.table) : htmlReport(report);
  return reply.send(Readable.from(chunks));
}

/** GET /api/v1/reports: the performance report in JSON, CSV, HTML or PDF. */
export function registerReportRoutes(root: FastifyInstance, ctx: ServeContext): void {
  root.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'The performance report of the last hours, as json, csv, html or pdf',
        description: REPORT_DESCRIPTION,
        querystring: ReportQuery,
      },
    },
    async (request, reply) => sendReport(ctx, request.query, reply),
  );
}
