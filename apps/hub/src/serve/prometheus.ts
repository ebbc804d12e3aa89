import { forEachSample, METRICS, type MetricDef } from '@vigil/schema';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { FrameHead } from '../ingest/index.ts';
import type { ServeContext } from './context.ts';
import type { LiveFanout } from './ws/fanout.ts';

/**
 * Prometheus exposition at `/metrics`: every host's latest reading as `vigil_*` series labelled with the
 * host, and the hub's own figures as `vigil_hub_*` (prom-client, with the process defaults). A scrape reads
 * the latest frames in memory; nothing is queried from history.
 *
 * Names follow Prometheus conventions (checked by `promtool check metrics`): counters end in `_total`,
 * gauges never do (the catalogue's `processes_total` is exposed as `vigil_processes`, and
 * `tcp_connections_total` as `vigil_tcp_sockets` since `vigil_tcp_connections` is the per-state gauge).
 */
export interface PromName {
  name: string;
  type: 'gauge' | 'counter';
  /** Prometheus wants base units: microseconds are exposed as seconds. */
  scale: number;
}

const GAUGE_RENAMES: Record<string, string> = { tcp_connections_total: 'tcp_sockets' };
/** Gauges by nature that the catalogue keeps as counters (they go down on a reboot, and are read as levels). */
const AS_GAUGE = new Set(['uptime_seconds']);

export function promName(metric: Pick<MetricDef, 'name' | 'kind'>): PromName {
  const micro = metric.name.includes('_microseconds');
  const base = micro ? metric.name.replace('_microseconds', '_seconds') : metric.name;
  const scale = micro ? 1e-6 : 1;
  const counter = metric.kind === 'counter' && !AS_GAUGE.has(metric.name);
  if (counter) return { name: `vigil_${base.endsWith('_total') ? base : `${base}_total`}`, type: 'counter', scale };
  const renamed = GAUGE_RENAMES[base] ?? base.replace(/_total$/, '');
  return { name: `vigil_${renamed}`, type: 'gauge', scale };
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

interface Family {
  help: string;
  type: 'gauge' | 'counter';
  lines: string[];
}

/**
 * The text exposition of the hosts' latest frames. One family per metric (HELP and TYPE once, then every
 * host's series), so the output is valid however many hosts there are.
 */
export function hostsExposition(
  hosts: { id: string; hostname: string; online: boolean; frame: FrameHead | null; lastSeen: number | null }[],
): string {
  const families = new Map<string, Family>();
  const family = (name: string, help: string, type: 'gauge' | 'counter') => {
    let f = families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      families.set(name, f);
    }
    return f;
  };
  const up = family('vigil_host_up', '1 while the host reports to the hub, 0 when it is offline', 'gauge');
  const seen = family('vigil_host_last_seen_timestamp_seconds', 'When the hub last heard from the host (Unix time)', 'gauge');
  for (const host of hosts) {
    const base = `host="${escapeLabel(host.id)}",hostname="${escapeLabel(host.hostname)}"`;
    up.lines.push(`vigil_host_up{${base}} ${host.online ? 1 : 0}`);
    if (host.lastSeen !== null) seen.lines.push(`vigil_host_last_seen_timestamp_seconds{${base}} ${host.lastSeen / 1000}`);
    // An offline host's last frame is stale: only its up and last-seen series are exposed.
    if (!host.online || !host.frame) continue;
    forEachSample(host.frame, (metric, value, labelValues) => {
      if (metric.name === 'host_up') return;
      const { name, type, scale } = promName(metric);
      let labels = base;
      if (labelValues) for (const [i, label] of metric.labels.entries()) labels += `,${label}="${escapeLabel(labelValues[i] as string)}"`;
      family(name, metric.help, type).lines.push(`${name}{${labels}} ${formatValue(value * scale)}`);
    });
    for (const sample of host.frame.custom ?? []) {
      const name = `vigil_custom_${sample.name}`;
      let labels = base;
      for (const [k, v] of Object.entries(sample.labels ?? {}).sort()) labels += `,${k}="${escapeLabel(v)}"`;
      family(name, `Custom metric ${sample.name} (from the agent's plugins or textfile folder)`, 'gauge').lines.push(
        `${name}{${labels}} ${formatValue(sample.value)}`,
      );
    }
  }
  let out = '';
  for (const [name, f] of families) {
    if (f.lines.length === 0) continue;
    out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
  }
  return out;
}

/** prom-client's default gauges whose names end in _total, against the Prometheus naming rules: left out. */
const MISNAMED_DEFAULTS = new Set([
  'vigil_hub_nodejs_active_handles_total',
  'vigil_hub_nodejs_active_requests_total',
  'vigil_hub_nodejs_active_resources_total',
]);

/** Drops whole metric families (HELP, TYPE and samples) from an exposition. */
function withoutFamilies(text: string, names: ReadonlySet<string>): string {
  return text
    .split('\n')
    .filter((line) => {
      const name = line.startsWith('# ') ? line.split(' ')[2] : line.split(/[{ ]/)[0];
      return !names.has(name as string);
    })
    .join('\n');
}

/** The hub's own figures, read at scrape time from the parts that count them. */
function hubRegistry(ctx: ServeContext, fanout: LiveFanout): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_hub_' });
  new Counter({
    name: 'vigil_hub_frames_received_total',
    help: 'Frames accepted from agents since the hub started',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ctx.ingest.framesAccepted);
    },
  });
  new Gauge({
    name: 'vigil_hub_agents_connected',
    help: 'Agents connected now',
    registers: [registry],
    collect() {
      this.set(ctx.ingest.connections.size);
    },
  });
  new Gauge({
    name: 'vigil_hub_hosts',
    help: 'Hosts known to the hub, by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      let online = 0;
      let offline = 0;
      for (const h of ctx.live.hosts.values()) h.status === 'online' ? online++ : offline++;
      this.set({ state: 'online' }, online);
      this.set({ state: 'offline' }, offline);
    },
  });
  new Gauge({
    name: 'vigil_hub_live_clients',
    help: 'Dashboards and CLIs connected to the live WebSocket',
    registers: [registry],
    collect() {
      this.set(fanout.clientCount);
    },
  });
  new Gauge({
    name: 'vigil_hub_history_bytes',
    help: 'Size of the history database',
    registers: [registry],
    async collect() {
      // While the history thread restarts, the scrape goes on without this gauge.
      try {
        this.set(await ctx.storage.sizeBytes());
      } catch {}
    },
  });
  new Counter({
    name: 'vigil_hub_alert_evaluations_total',
    help: 'Rule evaluations against arriving frames since the hub started',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(ctx.alerting.engine.evaluations);
    },
  });
  new Gauge({
    name: 'vigil_hub_alerts_firing',
    help: 'Alerts firing now, by severity',
    labelNames: ['severity'],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { info: 0, warning: 0, critical: 0 };
      for (const a of ctx.alerting.engine.activeAlerts()) if (a.state === 'firing') counts[a.severity] = (counts[a.severity] ?? 0) + 1;
      for (const [severity, n] of Object.entries(counts)) this.set({ severity }, n);
    },
  });
  new Gauge({
    name: 'vigil_collector_errors',
    help: "1 when a collector of an online host failed in the host's latest cycle",
    labelNames: ['host', 'collector'],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of ctx.live.hosts.values()) {
        if (h.status !== 'online' || !h.head) continue;
        for (const [collector, status] of Object.entries(h.head.collectors))
          this.set({ host: h.record.id, collector }, status.error ? 1 : 0);
      }
    },
  });
  return registry;
}

/** `GET /metrics` for Prometheus: a viewer's bearer token, or open when `prometheus.public` is set. */
export function registerPrometheusRoute(app: FastifyInstance, ctx: ServeContext, fanout: LiveFanout): void {
  if (!ctx.config.prometheus.enabled) return;
  const registry = hubRegistry(ctx, fanout);
  // Touch the catalogue once so a bad entry fails at start, not at the first scrape.
  for (const metric of METRICS.values()) promName(metric);
  app.get(
    '/metrics',
    { config: { access: ctx.config.prometheus.public ? 'public' : 'viewer', rateLimit: false }, schema: { hide: true } },
    async (_request, reply) => {
      const hosts = [...ctx.live.hosts.values()].map((h) => ({
        id: h.record.id,
        hostname: h.record.hostname,
        online: h.status === 'online',
        frame: h.head,
        lastSeen: h.lastSeen,
      }));
      const own = withoutFamilies(await registry.metrics(), MISNAMED_DEFAULTS);
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(hostsExposition(hosts) + own);
    },
  );
}
