import type { Frame } from './frame.ts';
import type { SystemReading } from './system.ts';

/**
 * The metric catalogue: every series Vigil keeps, named with its unit as Prometheus names them. The store,
 * the query API, alerts, reports, the web app and the Prometheus exposition (with a `vigil_` prefix) all use
 * these names. Every series also carries the label `host`.
 */
export type MetricUnit =
  | 'percent'
  | 'bytes'
  | 'bytes_per_second'
  | 'per_second'
  | 'count'
  | 'seconds'
  | 'microseconds'
  | 'celsius'
  | 'mhz'
  | 'watts'
  | 'load';

export interface MetricDef {
  name: string;
  help: string;
  unit: MetricUnit;
  /** gauge: a level; counter: only grows (a reset aside). Chooses the store's encoding. */
  kind: 'gauge' | 'counter';
  /** Decimal digits the store keeps (0.01 % for percentages, whole bytes): the catalogue's precision. */
  decimals: number;
  /** Label names besides `host`. */
  labels: readonly string[];
}

/** Receives one sample: its metric, value, and label values in the order of the metric's `labels`. */
export type SampleSink = (metric: MetricDef, value: number, labelValues?: readonly string[]) => void;

type Extract = (s: SystemReading, emit: (value: number | null | undefined, labelValues?: readonly string[]) => void) => void;

interface Entry extends MetricDef {
  extract: Extract;
}

const entries: Entry[] = [];
function def(
  name: string,
  unit: MetricUnit,
  kind: MetricDef['kind'],
  decimals: number,
  labels: readonly string[],
  help: string,
  extract: Extract,
): void {
  entries.push({ name, unit, kind, decimals, labels, help, extract });
}
const g = (name: string, unit: MetricUnit, decimals: number, help: string, extract: Extract, labels: readonly string[] = []) =>
  def(name, unit, 'gauge', decimals, labels, help, extract);
const c = (name: string, unit: MetricUnit, help: string, extract: Extract, labels: readonly string[] = []) =>
  def(name, unit, 'counter', 0, labels, help, extract);

// CPU
g(
  'cpu_usage_percent',
  'percent',
  2,
  'CPU busy time, all but idle and iowait; per core with the label cpu',
  (s, e) => {
    e(s.cpu?.total?.usagePercent);
    for (const core of s.cpu?.cores ?? []) e(core.times?.usagePercent, [String(core.cpu)]);
  },
  ['cpu'],
);
for (const mode of ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest'] as const) {
  const field = `${mode}Percent` as const;
  g(`cpu_${mode}_percent`, 'percent', 2, `CPU time in ${mode} mode, all cores`, (s, e) => e(s.cpu?.total?.[field]));
}
g('cpu_frequency_mhz', 'mhz', 0, 'Average clock of the online CPUs', (s, e) => e(s.cpu?.frequency.currentMhz));
g('cpu_online', 'count', 0, 'Logical CPUs online', (s, e) => e(s.cpu?.onlineCount));
g('load1', 'load', 2, 'Load average over 1 minute', (s, e) => e(s.load?.load1));
g('load5', 'load', 2, 'Load average over 5 minutes', (s, e) => e(s.load?.load5));
g('load15', 'load', 2, 'Load average over 15 minutes', (s, e) => e(s.load?.load15));
c('uptime_seconds', 'seconds', 'Seconds since boot', (s, e) => e(s.uptime ? Math.round(s.uptime.uptimeSeconds) : null));
g('users_logged_in', 'count', 0, 'Logged-in user sessions', (s, e) => e(s.uptime?.users));

// Memory and swap
g('memory_used_percent', 'percent', 2, 'Memory in use (total - available) as a share of total', (s, e) => e(s.memory?.usedPercent));
g('memory_used_bytes', 'bytes', 0, 'Memory in use: total - available', (s, e) => e(s.memory?.usedBytes));
g('memory_available_bytes', 'bytes', 0, 'Memory available for new work (MemAvailable)', (s, e) => e(s.memory?.availableBytes));
g('memory_total_bytes', 'bytes', 0, 'Physical memory', (s, e) => e(s.memory?.totalBytes));
g('memory_free_bytes', 'bytes', 0, 'Memory unused (MemFree)', (s, e) => e(s.memory?.freeBytes));
g('memory_cached_bytes', 'bytes', 0, 'Page cache and reclaimable slab', (s, e) => e(s.memory?.cachedBytes));
g('memory_buffers_bytes', 'bytes', 0, 'Block device buffers', (s, e) => e(s.memory?.buffersBytes));
g('memory_shared_bytes', 'bytes', 0, 'Shared memory (tmpfs, shm)', (s, e) => e(s.memory?.sharedBytes));
g('swap_used_percent', 'percent', 2, 'Swap in use as a share of swap', (s, e) => e(s.swap?.usedPercent));
g('swap_used_bytes', 'bytes', 0, 'Swap in use', (s, e) => e(s.swap?.usedBytes));
g('swap_total_bytes', 'bytes', 0, 'Swap space', (s, e) => e(s.swap?.totalBytes));
g('swap_in_bytes_per_second', 'bytes_per_second', 0, 'Swapped in', (s, e) => e(s.swap?.inBytesPerSecond));
g('swap_out_bytes_per_second', 'bytes_per_second', 0, 'Swapped out', (s, e) => e(s.swap?.outBytesPerSecond));

// Filesystems
const fs = (
  name: string,
  unit: MetricUnit,
  decimals: number,
  help: string,
  pick: (f: NonNullable<SystemReading['filesystems']>[number]) => number,
) =>
  g(
    name,
    unit,
    decimals,
    help,
    (s, e) => {
      for (const f of s.filesystems ?? []) e(pick(f), [f.mountpoint]);
    },
    ['mountpoint'],
  );
fs('disk_used_percent', 'percent', 2, 'Filesystem space in use, as df(1) shows it', (f) => f.usedPercent);
fs('disk_used_bytes', 'bytes', 0, 'Filesystem space in use', (f) => f.usedBytes);
fs('disk_free_bytes', 'bytes', 0, 'Filesystem space available to users', (f) => f.freeBytes);
fs('disk_size_bytes', 'bytes', 0, 'Filesystem size', (f) => f.sizeBytes);
fs('disk_inodes_used_percent', 'percent', 2, 'Inodes in use', (f) => f.inodesUsedPercent);

// Block devices
const dev = (
  name: string,
  unit: MetricUnit,
  kind: MetricDef['kind'],
  decimals: number,
  help: string,
  pick: (d: NonNullable<SystemReading['disks']>[number]) => number | null,
) =>
  def(name, unit, kind, decimals, ['device'], help, (s, e) => {
    for (const d of s.disks ?? []) e(pick(d), [d.device]);
  });
dev('disk_read_bytes_per_second', 'bytes_per_second', 'gauge', 0, 'Bytes read from the device', (d) => d.readBytesPerSecond);
dev('disk_write_bytes_per_second', 'bytes_per_second', 'gauge', 0, 'Bytes written to the device', (d) => d.writeBytesPerSecond);
dev('disk_reads_per_second', 'per_second', 'gauge', 1, 'Read operations completed', (d) => d.readsPerSecond);
dev('disk_writes_per_second', 'per_second', 'gauge', 1, 'Write operations completed', (d) => d.writesPerSecond);
dev('disk_util_percent', 'percent', 'gauge', 2, 'Time the device had I/O in flight (iostat %util)', (d) => d.utilPercent);
dev('disk_read_bytes_total', 'bytes', 'counter', 0, 'Bytes read since boot', (d) => d.readBytesTotal);
dev('disk_written_bytes_total', 'bytes', 'counter', 0, 'Bytes written since boot', (d) => d.writeBytesTotal);

// Network
type Nic = NonNullable<SystemReading['network']>[number];
const nic = (name: string, unit: MetricUnit, kind: MetricDef['kind'], decimals: number, help: string, pick: (n: Nic) => number | null) =>
  def(name, unit, kind, decimals, ['interface'], help, (s, e) => {
    for (const n of s.network ?? []) e(pick(n), [n.interface]);
  });
nic('network_receive_bytes_per_second', 'bytes_per_second', 'gauge', 0, 'Bytes received', (n) => n.rxBytesPerSecond);
nic('network_transmit_bytes_per_second', 'bytes_per_second', 'gauge', 0, 'Bytes sent', (n) => n.txBytesPerSecond);
nic('network_receive_packets_per_second', 'per_second', 'gauge', 1, 'Packets received', (n) => n.rxPacketsPerSecond);
nic('network_transmit_packets_per_second', 'per_second', 'gauge', 1, 'Packets sent', (n) => n.txPacketsPerSecond);
nic('network_receive_errors_per_second', 'per_second', 'gauge', 1, 'Receive errors', (n) => n.rxErrorsPerSecond);
nic('network_transmit_errors_per_second', 'per_second', 'gauge', 1, 'Transmit errors', (n) => n.txErrorsPerSecond);
nic('network_receive_drops_per_second', 'per_second', 'gauge', 1, 'Received packets dropped', (n) => n.rxDropsPerSecond);
nic('network_transmit_drops_per_second', 'per_second', 'gauge', 1, 'Packets dropped on sending', (n) => n.txDropsPerSecond);
nic('network_receive_bytes_total', 'bytes', 'counter', 0, 'Bytes received since the interface came up', (n) => n.rxBytesTotal);
nic('network_transmit_bytes_total', 'bytes', 'counter', 0, 'Bytes sent since the interface came up', (n) => n.txBytesTotal);
nic('network_receive_packets_total', 'count', 'counter', 0, 'Packets received', (n) => n.rxPacketsTotal);
nic('network_transmit_packets_total', 'count', 'counter', 0, 'Packets sent', (n) => n.txPacketsTotal);

// Sockets
g(
  'tcp_connections',
  'count',
  0,
  'TCP sockets by state (IPv4 and IPv6)',
  (s, e) => {
    for (const [state, n] of Object.entries(s.sockets?.tcp ?? {})) e(n, [state]);
  },
  ['state'],
);
g('tcp_connections_total', 'count', 0, 'TCP sockets in any state', (s, e) => e(s.sockets?.tcpTotal));
g('udp_sockets', 'count', 0, 'UDP sockets', (s, e) => e(s.sockets?.udpTotal));

// Kernel
g('context_switches_per_second', 'per_second', 0, 'Context switches', (s, e) => e(s.kernel?.contextSwitchesPerSecond));
g('interrupts_per_second', 'per_second', 0, 'Interrupts serviced', (s, e) => e(s.kernel?.interruptsPerSecond));
g('forks_per_second', 'per_second', 1, 'Processes and threads created', (s, e) => e(s.kernel?.forksPerSecond));
g('page_faults_per_second', 'per_second', 0, 'Page faults', (s, e) => e(s.kernel?.pageFaultsPerSecond));
g('major_page_faults_per_second', 'per_second', 1, 'Page faults that read from disk', (s, e) => e(s.kernel?.majorPageFaultsPerSecond));
g('swap_in_pages_per_second', 'per_second', 1, 'Pages swapped in', (s, e) => e(s.kernel?.swapInPagesPerSecond));
g('swap_out_pages_per_second', 'per_second', 1, 'Pages swapped out', (s, e) => e(s.kernel?.swapOutPagesPerSecond));
g('procs_running', 'count', 0, 'Runnable tasks', (s, e) => e(s.kernel?.procsRunning));
g('procs_blocked', 'count', 0, 'Tasks blocked on I/O', (s, e) => e(s.kernel?.procsBlocked));
c('context_switches_total', 'count', 'Context switches since boot', (s, e) => e(s.kernel?.contextSwitchesTotal));
c('interrupts_total', 'count', 'Interrupts since boot', (s, e) => e(s.kernel?.interruptsTotal));
c('forks_total', 'count', 'Forks since boot', (s, e) => e(s.kernel?.forksTotal));
c('page_faults_total', 'count', 'Page faults since boot', (s, e) => e(s.kernel?.pageFaultsTotal));
for (const resource of ['cpu', 'memory', 'io'] as const) {
  for (const kind of ['some', 'full'] as const) {
    for (const window of ['avg10', 'avg60', 'avg300'] as const) {
      g(
        `pressure_${resource}_${kind}_${window}_percent`,
        'percent',
        2,
        `Share of time ${kind === 'some' ? 'some' : 'all'} tasks stalled on ${resource}, averaged over ${window.slice(3)} s (PSI)`,
        (s, e) => e(s.kernel?.pressure[resource]?.[kind]?.[window]),
      );
    }
    c(
      `pressure_${resource}_${kind}_microseconds_total`,
      'microseconds',
      `Time ${kind === 'some' ? 'some' : 'all'} tasks stalled on ${resource} since boot (PSI)`,
      (s, e) => e(s.kernel?.pressure[resource]?.[kind]?.totalMicroseconds),
    );
  }
}

// Sensors and GPUs
g(
  'temperature_celsius',
  'celsius',
  1,
  'Temperature of a sensor (hwmon or thermal zone)',
  (s, e) => {
    for (const t of s.temperatures ?? []) e(t.celsius, [t.sensor]);
  },
  ['sensor'],
);
type Gpu = NonNullable<SystemReading['gpus']>[number];
const gpu = (name: string, unit: MetricUnit, decimals: number, help: string, pick: (x: Gpu) => number | null) =>
  g(
    name,
    unit,
    decimals,
    help,
    (s, e) => {
      for (const x of s.gpus ?? []) e(pick(x), [String(x.index)]);
    },
    ['gpu'],
  );
gpu('gpu_utilization_percent', 'percent', 0, 'GPU busy time', (x) => x.utilizationGpuPercent);
gpu('gpu_memory_utilization_percent', 'percent', 0, 'GPU memory controller busy time', (x) => x.utilizationMemoryPercent);
gpu('gpu_memory_used_percent', 'percent', 2, 'GPU memory in use as a share of total', (x) => x.memoryUsedPercent);
gpu('gpu_memory_used_bytes', 'bytes', 0, 'GPU memory in use', (x) => x.memoryUsedBytes);
gpu('gpu_memory_total_bytes', 'bytes', 0, 'GPU memory', (x) => x.memoryTotalBytes);
gpu('gpu_temperature_celsius', 'celsius', 0, 'GPU core temperature', (x) => x.temperatureCelsius);
gpu('gpu_power_watts', 'watts', 2, 'GPU power draw', (x) => x.powerDrawWatts);
gpu('gpu_power_limit_watts', 'watts', 2, 'GPU power limit', (x) => x.powerLimitWatts);
gpu('gpu_fan_percent', 'percent', 0, 'GPU fan speed', (x) => x.fanSpeedPercent);

// Processes and guests
g('processes_total', 'count', 0, 'Processes', (s, e) => e(s.processes?.total));
g('processes_running', 'count', 0, 'Processes running', (s, e) => e(s.processes?.running));
g('processes_sleeping', 'count', 0, 'Processes sleeping', (s, e) => e(s.processes?.sleeping));
g('processes_disk_sleep', 'count', 0, 'Processes in uninterruptible sleep (D state)', (s, e) => e(s.processes?.diskSleep));
g('processes_stopped', 'count', 0, 'Processes stopped', (s, e) => e(s.processes?.stopped));
g('processes_zombie', 'count', 0, 'Zombie processes', (s, e) => e(s.processes?.zombie));
g('threads_total', 'count', 0, 'Threads of all processes', (s, e) => e(s.processes?.threads));
g('vms_running', 'count', 0, 'Virtual machines (hypervisor processes)', (s, e) => e(s.virtualization?.vms));
g('containers_running', 'count', 0, 'Containers (distinct cgroups of container runtimes)', (s, e) => e(s.virtualization?.containers));
g('host_up', 'count', 0, '1 while the host reports', (_s, e) => e(1));

/** Every metric of the catalogue, by name. */
export const METRICS: ReadonlyMap<string, MetricDef> = new Map(entries.map((e) => [e.name, e]));

/**
 * Calls `sink` once per sample of a frame: every numeric field becomes a series. Values that are unknown
 * (null: a rate on its first reading, a sensor the driver does not report) give no sample. `only` limits the
 * work to some metrics (alert rules read a few of them from every frame).
 */
export function forEachSample(frame: Pick<Frame, 'system'>, sink: SampleSink, only?: ReadonlySet<string>): void {
  const s = frame.system;
  let entry = entries[0] as Entry;
  // One emitter per call, not one per metric: this runs for every frame of every host (ingest, alerts).
  const emit = (value: number | null | undefined, labelValues?: readonly string[]) => {
    if (value === null || value === undefined) return;
    sink(entry, value, labelValues);
  };
  for (const e of only ? entriesOf(only) : entries) {
    entry = e;
    e.extract(s, emit);
  }
}

/** The catalogue's entries a set of names selects, in catalogue order; remembered per set (sets are kept by their callers). */
const selected = new WeakMap<ReadonlySet<string>, Entry[]>();
function entriesOf(only: ReadonlySet<string>): Entry[] {
  let list = selected.get(only);
  if (!list) {
    list = entries.filter((e) => only.has(e.name));
    selected.set(only, list);
  }
  return list;
}

/** The canonical key of a series within a host: `name` or `name{label="value",...}` (Prometheus style). */
export function seriesKey(metric: MetricDef | { name: string; labels: readonly string[] }, labelValues?: readonly string[]): string {
  if (!labelValues || labelValues.length === 0) return metric.name;
  const parts = labelValues.map((v, i) => `${metric.labels[i]}="${v.replace(/["\\\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`))}"`);
  return `${metric.name}{${parts.join(',')}}`;
}

/** Custom metric names: Prometheus's rule, and not clashing with the catalogue. */
export const CUSTOM_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
