import { Frame, type HostSummary, PROTOCOL_VERSION, type ProcessInfo } from '@vigil/schema';
import { type SignalOutcome, SnapshotStore, type TopSnapshot, type TopSource } from './source.ts';

/** Test helpers of `vigil top`: a frame with chosen figures (checked by the wire schema) and a source that records signals. */

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** A process with defaults; `cpu` and `rssMiB` set the usual sort keys. */
export function fakeProcess(
  pid: number,
  name: string,
  options: Partial<ProcessInfo> & { cpu?: number; rssMiB?: number } = {},
): ProcessInfo {
  const { cpu, rssMiB, ...rest } = options;
  const rss = (rssMiB ?? 10) * MiB;
  return {
    pid,
    ppid: 1,
    name,
    cmdline: `/usr/bin/${name} --serve`,
    user: 'www',
    uid: 1000,
    state: 'sleeping',
    kernelThread: false,
    threads: 1,
    nice: 0,
    cpuPercent: cpu ?? 0,
    cpuSecondsTotal: 12.5,
    memoryRssBytes: rss,
    memoryVirtualBytes: rss * 4,
    memoryPercent: (rss / (16 * GiB)) * 100,
    ioReadBytesPerSecond: null,
    ioWriteBytesPerSecond: null,
    startTime: 1_700_000_000_000,
    ...rest,
  };
}

const times = (usage: number) => ({
  usagePercent: usage,
  userPercent: usage * 0.7,
  nicePercent: 0,
  systemPercent: usage * 0.3,
  idlePercent: 100 - usage,
  iowaitPercent: 0,
  irqPercent: 0,
  softirqPercent: 0,
  stealPercent: 0,
  guestPercent: 0,
});

export interface FakeFrameOptions {
  cores?: number[];
  processes?: ProcessInfo[];
  filesystems?: string[];
  interfaces?: string[];
  gpus?: number;
  memoryPercent?: number;
  ts?: number;
}

/** A whole frame: 4 cores at 10/40/60/90 %, 16 GiB at 40 % used, "/" and "/home", eth0, four processes unless told otherwise. */
export function fakeFrame(options: FakeFrameOptions = {}): Frame {
  const cores = options.cores ?? [10, 40, 60, 90];
  const total = cores.reduce((a, b) => a + b, 0) / Math.max(1, cores.length);
  const memoryPercent = options.memoryPercent ?? 40;
  const processes = options.processes ?? [
    fakeProcess(101, 'nginx', { cpu: 12.5, rssMiB: 50 }),
    fakeProcess(202, 'postgres', { cpu: 55, rssMiB: 900, user: 'postgres' }),
    fakeProcess(303, 'sshd', { cpu: 0, rssMiB: 5, user: 'root', uid: 0 }),
    fakeProcess(404, 'kworker/0:1', { kernelThread: true, cmdline: '', user: 'root', uid: 0 }),
  ];
  return Frame.parse({
    v: PROTOCOL_VERSION,
    type: 'frame',
    seq: 1,
    ts: options.ts ?? 1_700_000_000_000,
    durationMs: 5,
    system: {
      uptime: { uptimeSeconds: 3 * 86400 + 4 * 3600 + 12 * 60, bootTime: 1_699_000_000_000, users: 1 },
      cpu: {
        logicalCount: cores.length,
        onlineCount: cores.length,
        physicalCount: cores.length,
        total: times(total),
        cores: cores.map((usage, cpu) => ({ cpu, online: true, times: times(usage), frequencyMhz: 2400 })),
        frequency: { currentMhz: 2400, minMhz: 800, maxMhz: 3600 },
      },
      load: { load1: 0.52, load5: 0.61, load15: 0.7 },
      memory: {
        totalBytes: 16 * GiB,
        usedBytes: (16 * GiB * memoryPercent) / 100,
        freeBytes: 2 * GiB,
        sharedBytes: 0,
        buffersBytes: 0,
        cachedBytes: 4 * GiB,
        availableBytes: (16 * GiB * (100 - memoryPercent)) / 100,
        usedPercent: memoryPercent,
      },
      swap: { totalBytes: 2 * GiB, usedBytes: 0, freeBytes: 2 * GiB, usedPercent: 0, inBytesPerSecond: 0, outBytesPerSecond: 0 },
      filesystems: (options.filesystems ?? ['/', '/home']).map((mountpoint, i) => ({
        device: `/dev/sda${i + 1}`,
        mountpoint,
        fstype: 'ext4',
        readOnly: false,
        sizeBytes: 100 * GiB,
        usedBytes: (30 + 30 * i) * GiB,
        freeBytes: (70 - 30 * i) * GiB,
        usedPercent: 30 + 30 * i,
        inodesTotal: 1000,
        inodesUsed: 10,
        inodesFree: 990,
        inodesUsedPercent: 1,
      })),
      disks: [
        {
          device: 'sda',
          readBytesPerSecond: 1024,
          writeBytesPerSecond: 2 * MiB,
          readsPerSecond: 1,
          writesPerSecond: 10,
          utilPercent: 3,
          readBytesTotal: 0,
          writeBytesTotal: 0,
          readsTotal: 0,
          writesTotal: 0,
          inProgress: 0,
        },
      ],
      network: ['lo', ...(options.interfaces ?? ['eth0'])].map((name) => ({
        interface: name,
        rxBytesPerSecond: name === 'lo' ? 999 * MiB : 1.5 * MiB,
        txBytesPerSecond: name === 'lo' ? 999 * MiB : 340 * 1024,
        rxPacketsPerSecond: 0,
        txPacketsPerSecond: 0,
        rxErrorsPerSecond: 0,
        txErrorsPerSecond: 0,
        rxDropsPerSecond: 0,
        txDropsPerSecond: 0,
        rxBytesTotal: 0,
        txBytesTotal: 0,
        rxPacketsTotal: 0,
        txPacketsTotal: 0,
        rxErrorsTotal: 0,
        txErrorsTotal: 0,
        rxDropsTotal: 0,
        txDropsTotal: 0,
      })),
      gpus: Array.from({ length: options.gpus ?? 0 }, (_, index) => ({
        index,
        name: 'NVIDIA A10',
        uuid: null,
        vendor: 'nvidia',
        utilizationGpuPercent: 45,
        utilizationMemoryPercent: 20,
        memoryTotalBytes: 24 * GiB,
        memoryUsedBytes: 3 * GiB,
        memoryFreeBytes: 21 * GiB,
        memoryUsedPercent: 12.5,
        temperatureCelsius: 54,
        powerDrawWatts: 60,
        powerLimitWatts: 150,
        fanSpeedPercent: 30,
        processes: [],
      })),
      processes: {
        total: processes.length,
        running: 1,
        sleeping: processes.length - 1,
        diskSleep: 0,
        stopped: 0,
        zombie: 0,
        idle: 0,
        threads: processes.length,
        kernelThreads: 1,
      },
    },
    processes,
    processesComplete: true,
    collectors: {},
  });
}

/** A fleet summary of one host. */
export function fakeHost(id: string, options: Partial<HostSummary> = {}): HostSummary {
  return {
    id,
    hostname: id,
    status: 'online',
    tags: [],
    firstSeen: 0,
    lastSeen: 0,
    os: 'Debian GNU/Linux 12',
    kernel: '6.1.0',
    cpuModel: 'Xeon',
    cpuCores: 4,
    memoryTotalBytes: 16 * GiB,
    cpuPercent: 30,
    memoryPercent: 40,
    swapPercent: 0,
    diskPercent: 30,
    load1: 0.5,
    uptimeSeconds: 1000,
    networkRxBytesPerSecond: 0,
    networkTxBytesPerSecond: 0,
    gpus: 0,
    vms: 0,
    containers: 0,
    processes: 100,
    ts: 1_700_000_000_000,
    ...options,
  };
}

/** A source whose snapshot tests set, and which records the signals asked of it. */
export class FakeSource implements TopSource {
  readonly store: SnapshotStore;
  readonly signals: { pid: number; action: string }[] = [];
  readonly chosen: string[] = [];
  outcome: SignalOutcome = { ok: true, message: 'sent' };

  constructor(snapshot: Partial<TopSnapshot> = {}) {
    this.store = new SnapshotStore({
      mode: 'local',
      hostId: 'web-01',
      hostLabel: 'web-01',
      frame: fakeFrame(),
      hosts: [],
      connection: { state: 'local' },
      canAct: true,
      ...snapshot,
    });
  }

  current = () => this.store.current();
  subscribe = (listener: () => void) => this.store.subscribe(listener);
  start() {}
  async stop() {}
  async signal(target: { pid: number }, action: string) {
    this.signals.push({ pid: target.pid, action });
    return this.outcome;
  }
  chooseHost(id: string) {
    this.chosen.push(id);
  }
}
