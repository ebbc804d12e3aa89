/**
 * The 50 rules of the alert benchmark: the hub's defaults plus what an operator of a mixed fleet adds. Every kind of
 * rule, label filters, scopes by tag and by host, name patterns (one a regex). `for` is seconds, not minutes, so that
 * alerts go pending, fire and resolve within a one-minute run (the defaults keep their 5 m and stay pending).
 */
import { type AlertRule, AlertRuleInput } from '@vigil/schema';
import { DEFAULT_RULES } from '../../apps/hub/src/alert/index.ts';

const MB = 1024 * 1024;
const GB = 1024 * MB;

/** The host the host-scoped rule names (a db host: it exists in every fleet of 8 hosts or more). */
export const SCOPED_HOST = 'db-0007';

/** The rules operators add on top of the defaults, in an order that mixes kinds (`--rules N` takes the first N). */
const FLEET_RULES: AlertRuleInput[] = [
  { name: 'Web CPU busy', metric: 'cpu_usage_percent', warning: 70, critical: 90, for: '15s', scope: { tag: 'web' } },
  { name: 'Root filesystem', metric: 'disk_used_percent', labels: { mountpoint: '/' }, warning: 80, critical: 90, clear: 78 },
  { name: 'nginx down', kind: 'process', process: 'nginx', check: 'missing', for: '10s', scope: { tag: 'web' } },
  { name: 'Forks storm', kind: 'rate', metric: 'forks_total', warning: 500, critical: 2000, for: '10s' },
  { name: 'CLOSE_WAIT piling up', kind: 'count', count: 'connections', state: 'close_wait', warning: 50, critical: 200, for: '20s' },
  { name: 'Load high', metric: 'load1', warning: 24, critical: 48, for: '30s' },
  {
    name: 'Java CPU hog',
    kind: 'process',
    process: '/^(java|jsvc)$/',
    check: 'cpu',
    warning: 150,
    critical: 300,
    for: '20s',
    scope: { tag: 'app' },
  },
  { name: 'Memory low', metric: 'memory_available_bytes', op: '<', warning: 1 * GB, critical: 256 * MB, for: '10s' },
  {
    name: 'eth0 receive',
    metric: 'network_receive_bytes_per_second',
    labels: { interface: 'eth0' },
    warning: 100 * MB,
    critical: 500 * MB,
    for: '30s',
  },
  { name: 'I/O wait', metric: 'cpu_iowait_percent', warning: 20, critical: 40, for: '20s' },
  { name: 'Postgres down', kind: 'process', process: '/^postgres/', check: 'missing', for: '10s', scope: { tag: 'db' } },
  {
    name: 'Database volume',
    metric: 'disk_used_percent',
    labels: { mountpoint: '/var/lib/postgresql' },
    warning: 75,
    critical: 90,
    scope: { tag: 'db' },
  },
  {
    name: 'eth0 receive rate',
    kind: 'rate',
    metric: 'network_receive_bytes_total',
    labels: { interface: 'eth0' },
    warning: 100 * MB,
    critical: 400 * MB,
    for: '15s',
  },
  { name: 'Staging memory', metric: 'memory_used_percent', warning: 90, for: '10s', scope: { tag: 'staging' } },
  { name: 'TIME_WAIT', kind: 'count', count: 'connections', state: 'TIME_WAIT', warning: 5000, critical: 20_000, scope: { tag: 'web' } },
  {
    name: 'Java memory',
    kind: 'process',
    process: 'java',
    check: 'memory',
    warning: 4096,
    critical: 8192,
    for: '30s',
    scope: { tag: 'app' },
  },
  { name: 'Core saturated', metric: 'cpu_usage_percent', labels: { cpu: '0' }, warning: 98, for: '30s', scope: { tag: 'db' } },
  { name: 'Swap in use', metric: 'swap_used_percent', warning: 50, critical: 80, for: '30s' },
  { name: 'Inodes', metric: 'disk_inodes_used_percent', warning: 80, critical: 95 },
  { name: 'Disk busy', metric: 'disk_util_percent', warning: 80, critical: 95, for: '30s' },
  { name: 'sshd missing', kind: 'process', process: 'sshd', check: 'missing', for: '30s' },
  {
    name: 'Disk writes',
    kind: 'rate',
    metric: 'disk_written_bytes_total',
    warning: 100 * MB,
    critical: 300 * MB,
    for: '20s',
    scope: { tag: 'db' },
  },
  { name: 'CPU pressure', metric: 'pressure_cpu_some_avg10_percent', warning: 50, critical: 80, for: '30s' },
  { name: 'Receive errors', metric: 'network_receive_errors_per_second', warning: 1, critical: 10, for: '10s' },
  { name: 'Staging zombies', kind: 'count', count: 'zombies', warning: 1, scope: { tag: 'staging' } },
  { name: 'Root space left', metric: 'disk_free_bytes', labels: { mountpoint: '/' }, op: '<', warning: 5 * GB, critical: 1 * GB },
  {
    name: 'Redis memory',
    kind: 'process',
    process: 'redis-server',
    check: 'memory',
    warning: 2048,
    critical: 3072,
    for: '10s',
    scope: { tag: 'cache' },
  },
  { name: 'Load db-0007', metric: 'load15', warning: 4, for: '1m', scope: { host: SCOPED_HOST } },
  { name: 'Blocked tasks', metric: 'procs_blocked', warning: 10, critical: 30, for: '15s' },
  { name: 'I/O stalls', kind: 'rate', metric: 'pressure_io_full_microseconds_total', warning: 300_000, critical: 600_000, for: '20s' },
  { name: 'SYN backlog', kind: 'count', count: 'connections', state: 'syn_recv', warning: 100, critical: 500, for: '10s' },
  {
    name: 'Transmit all',
    metric: 'network_transmit_bytes_per_second',
    warning: 100 * MB,
    critical: 500 * MB,
    for: '30s',
    scope: { tag: 'web' },
  },
  { name: 'CPU steal', metric: 'cpu_steal_percent', warning: 10, critical: 25, for: '1m' },
  { name: 'Memory pressure', metric: 'pressure_memory_full_avg60_percent', warning: 10, critical: 30, for: '30s' },
  { name: 'Disk reads', metric: 'disk_reads_per_second', warning: 2000, critical: 5000, for: '30s', scope: { tag: 'db' } },
  { name: 'Swap out', metric: 'swap_out_bytes_per_second', warning: 1 * MB, critical: 20 * MB, for: '30s' },
  { name: 'Context switches', metric: 'context_switches_per_second', warning: 200_000, critical: 500_000, for: '30s' },
  { name: 'TCP sockets', metric: 'tcp_connections_total', warning: 5000, critical: 20_000, scope: { tag: 'web' } },
  { name: 'Too many processes', metric: 'processes_total', warning: 1000, critical: 2000, for: '30s' },
  { name: 'Recently rebooted', metric: 'uptime_seconds', op: '<', warning: 600 },
  { name: 'Packets sent', kind: 'rate', metric: 'network_transmit_packets_total', warning: 100_000, critical: 300_000, for: '20s' },
  { name: 'Disk write throughput', metric: 'disk_write_bytes_per_second', warning: 200 * MB, for: '1m' },
  { name: 'I/O pressure db', metric: 'pressure_io_some_avg10_percent', warning: 40, critical: 70, for: '20s', scope: { tag: 'db' } },
  { name: 'Temperature', metric: 'temperature_celsius', warning: 80, critical: 90, for: '30s' },
  { name: 'Transmit drops', metric: 'network_transmit_drops_per_second', warning: 5, for: '10s' },
];

/** The defaults as a new hub seeds them, then the fleet's rules; beyond the list, copies with other thresholds. */
export function benchRules(count: number): AlertRule[] {
  const inputs = [...DEFAULT_RULES, ...FLEET_RULES];
  const rules: AlertRule[] = [];
  for (let i = 0; i < count; i++) {
    const base = inputs[i % inputs.length] as AlertRuleInput;
    const round = Math.floor(i / inputs.length);
    // Copies past the list are looser (x1.1 per round) so they add evaluations without doubling every alert.
    const scale = (v: number | undefined) =>
      v === undefined ? undefined : base.op === '<' || base.op === '<=' ? v / 1.1 ** round : v * 1.1 ** round;
    const input =
      round === 0
        ? base
        : { ...base, name: `${base.name} #${round + 1}`, warning: scale(base.warning), critical: scale(base.critical), clear: undefined };
    rules.push({ ...AlertRuleInput.parse(input), id: i + 1, source: i < DEFAULT_RULES.length ? 'default' : 'api' } as AlertRule);
  }
  return rules;
}

/** Rule names per kind, for the report: e.g. { threshold: 31, rate: 5, ... }. */
export function rulesByKind(rules: readonly AlertRule[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rules) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
}

/** The process names the process rules follow (the agent always sends matching processes, see Ingest.setFollowNames). */
export function followNames(rules: readonly AlertRule[]): string[] {
  return rules.filter((r) => r.enabled && r.kind === 'process' && r.process).map((r) => r.process as string);
}
