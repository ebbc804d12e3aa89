import { ProcessAction, ProcessDetail, ProcessInfo, ProcessState } from '@vigil/schema';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { allows } from '../../auth/roles.ts';
import { userOf } from '../auth-hooks.ts';
import type { ServeContext } from '../context.ts';
import { HostParams } from './hosts.ts';
import { frameWithTable, requireHost } from './tables.ts';

const SORT_KEYS = {
  cpu: (p: ProcessInfo) => p.cpuPercent ?? -1,
  memory: (p: ProcessInfo) => p.memoryRssBytes,
  io: (p: ProcessInfo) => (p.ioReadBytesPerSecond ?? 0) + (p.ioWriteBytesPerSecond ?? 0),
  pid: (p: ProcessInfo) => p.pid,
  threads: (p: ProcessInfo) => p.threads,
  start: (p: ProcessInfo) => p.startTime,
} as const;

export const ProcessQuery = z.object({
  sort: z.enum(['cpu', 'memory', 'io', 'pid', 'threads', 'start', 'name', 'user']).default('cpu'),
  order: z.enum(['asc', 'desc']).optional(),
  /** Case-insensitive text in the name, command line or user. */
  filter: z.string().max(200).optional(),
  user: z.string().max(64).optional(),
  state: ProcessState.optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
});
export type ProcessQuery = z.infer<typeof ProcessQuery>;

/** Filters and sorts a process table as the query says. */
export function queryProcesses(processes: ProcessInfo[], q: ProcessQuery): ProcessInfo[] {
  const needle = q.filter?.toLowerCase();
  const rows = processes.filter(
    (p) =>
      (!needle ||
        p.name.toLowerCase().includes(needle) ||
        p.cmdline.toLowerCase().includes(needle) ||
        p.user.toLowerCase().includes(needle)) &&
      (!q.user || p.user === q.user) &&
      (!q.state || p.state === q.state),
  );
  const order = q.order ?? (q.sort === 'name' || q.sort === 'user' || q.sort === 'pid' ? 'asc' : 'desc');
  const sign = order === 'asc' ? 1 : -1;
  if (q.sort === 'name' || q.sort === 'user') {
    const key = q.sort;
    rows.sort((a, b) => sign * a[key].localeCompare(b[key]) || a.pid - b.pid);
  } else {
    const key = SORT_KEYS[q.sort];
    rows.sort((a, b) => sign * (key(a) - key(b)) || a.pid - b.pid);
  }
  return rows.slice(0, q.limit);
}

/**
 * Process control is for operators, but a viewer's attempt is audited too: the role is checked here (the body
 * is parsed, not yet validated) rather than by the route's access, which would refuse it before anything is known.
 */
export function operatorAudited(ctx: ServeContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const user = userOf(request);
    if (allows(user.role, 'operator')) return;
    const params = request.params as Record<string, string | undefined>;
    const action = params.action ?? (request.body as { action?: unknown } | null | undefined)?.action;
    ctx.control.refuseForRole(user, params.id ?? params.server_id ?? '', Number(params.pid), String(action ?? 'unknown'));
  };
}

const PidParams = HostParams.extend({ pid: z.coerce.number().int().positive() });

/** The process explorer: the full table, one process in detail, and process control. */
export function registerProcessRoutes(root: FastifyInstance, ctx: ServeContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['processes'];

  app.get(
    '/api/v1/hosts/:id/processes',
    {
      schema: {
        tags,
        summary: 'The whole process table, sorted and filtered',
        description:
          "Asks the host's agent for every process (it sends only the top consumers while nobody looks) and waits for the next frame.",
        params: HostParams,
        querystring: ProcessQuery,
        response: {
          200: z.object({
            hostId: z.string(),
            ts: z.number().nullable(),
            complete: z.boolean(),
            total: z.number().int(),
            processes: z.array(ProcessInfo),
          }),
        },
      },
    },
    async (request) => {
      const host = requireHost(ctx.ingest, request.params.id);
      const { frame, complete } = await frameWithTable(ctx.ingest, host, 'processes');
      const processes = frame?.processes ?? [];
      return {
        hostId: host.record.id,
        ts: frame?.ts ?? null,
        complete,
        total: frame?.system.processes?.total ?? processes.length,
        processes: queryProcesses(processes, request.query),
      };
    },
  );

  app.get(
    '/api/v1/hosts/:id/processes/:pid',
    {
      schema: {
        tags,
        summary: 'One process: threads, command line, I/O, children, open files',
        params: PidParams,
        response: { 200: ProcessDetail },
      },
    },
    async (request) => ctx.control.inspect(requireHost(ctx.ingest, request.params.id).record.id, request.params.pid),
  );

  app.post(
    '/api/v1/hosts/:id/processes/:pid/signal',
    {
      // Operator, checked (and a refusal audited) by operatorAudited.
      config: { access: 'viewer' },
      preValidation: operatorAudited(ctx),
      schema: {
        tags,
        summary: 'Suspend, resume, terminate or kill a process',
        description: 'Operator or admin. Refused for PID 1, kernel threads and the agent itself; every attempt is audited.',
        params: PidParams,
        body: z.object({ action: ProcessAction }),
        response: {
          200: z.object({
            ok: z.literal(true),
            pid: z.number().int(),
            name: z.string().nullable(),
            action: ProcessAction,
            signal: z.string(),
          }),
        },
      },
    },
    async (request) => {
      const result = await ctx.control.signal(
        userOf(request),
        requireHost(ctx.ingest, request.params.id).record.id,
        request.params.pid,
        request.body.action,
      );
      return { ok: true as const, ...result };
    },
  );
}
