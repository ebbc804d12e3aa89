/**
 * A fleet's day from a few minutes of real frames: each host replays the recording back and forth (ping-pong, so
 * levels never jump at the seam) from its own starting point, with its own hardware (cores, memory, disk sizes) and
 * its own activity level, so its series keep the recording's structure: counters only grow (by the recorded
 * increments, scaled), percentages stay in 0..100, CPU modes still add up, and rates stay consistent with counters.
 * Deterministic for a seed, so every store is fed exactly the same samples.
 *
 * The activity factor moves continuously (a daily curve times two slow wobbles of incommensurate periods), so no
 * stretch of the day repeats an earlier one exactly. A plain loop of a 5-minute recording would repeat every
 * 10 minutes, and a general-purpose compressor (VictoriaMetrics compresses its blocks with zstd) would find those
 * repeats, which a real day does not offer. Values the kernel updates slowly (load and PSI averages) take the factor
 * per 10-minute segment instead, so they keep their steps.
 */
import type { Frame, SystemReading } from '@vigil/schema';

/** mulberry32: a small seeded PRNG, so runs are comparable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HostProfile {
  id: string;
  cores: number;
  /** Scales rates, busy CPU, pressure and counter increments; varies through the day around this base. */
  activity: number;
  /** Phases of the host's daily activity curve and of its two wobbles, in radians. */
  phase: number;
  wobblePhases: [number, number, number];
  memoryScale: number;
  diskScale: number;
  /** Added to process and thread counts. */
  processShift: number;
  /** Added to established and time-wait TCP sockets. */
  socketShift: number;
  /** Where in the (ping-pong) recording the host starts. */
  offset: number;
  /** Uptime at the first frame, seconds. */
  uptime0: number;
}

const CORES = [2, 4, 8, 2, 4, 16, 2, 8, 4, 2];
const MEMORY = [1, 2, 0.5, 4, 1, 8, 0.5, 2, 1, 4];

/** Deterministic, distinct hosts: `bench-host-00` … */
export function hostProfiles(count: number, recordingFrames: number, seed = 42): HostProfile[] {
  const random = seededRandom(seed);
  const period = Math.max(1, 2 * recordingFrames - 2);
  return Array.from({ length: count }, (_, h) => ({
    id: `bench-host-${String(h).padStart(2, '0')}`,
    cores: CORES[h % CORES.length] as number,
    activity: 0.5 + random(),
    phase: random() * 2 * Math.PI,
    wobblePhases: [random() * 2 * Math.PI, random() * 2 * Math.PI, random() * 2 * Math.PI],
    memoryScale: MEMORY[h % MEMORY.length] as number,
    diskScale: 0.5 + random() * 3.5,
    processShift: Math.floor(random() * 200),
    socketShift: Math.floor(random() * 40),
    offset: (Math.floor((h * period) / count) + Math.floor(random() * 17)) % period,
    uptime0: Math.floor(86_400 * (1 + random() * 60)),
  }));
}

const DAY_MS = 86_400_000;
/** The activity factor holds for this long, then moves to the next value of the host's daily curve. */
const SEGMENT_MS = 600_000;
const CPU_BUSY_MODES = [
  'userPercent',
  'nicePercent',
  'systemPercent',
  'iowaitPercent',
  'irqPercent',
  'softirqPercent',
  'stealPercent',
] as const;

type CpuTimes = NonNullable<NonNullable<SystemReading['cpu']>['total']>;

const clampPercent = (v: number) => Math.min(100, Math.max(0, v));
const roundTo = (v: number, multiple: number) => Math.round(v / multiple) * multiple;
const scaled = (v: number | null | undefined, f: number) => (v === null || v === undefined ? (v ?? null) : v * f);

/** CPU times of one core or the total, with the busy modes scaled by `f` (capped so they fit in 100 %). */
function scaleCpuTimes(t: CpuTimes, f: number): CpuTimes {
  const busy = CPU_BUSY_MODES.reduce((sum, m) => sum + t[m], 0);
  const factor = busy * f > 100 ? 100 / busy : f;
  const out = { ...t };
  for (const m of CPU_BUSY_MODES) out[m] = t[m] * factor;
  out.guestPercent = t.guestPercent * factor; // guest time is counted inside user time
  out.idlePercent = clampPercent(100 - CPU_BUSY_MODES.reduce((sum, m) => sum + out[m], 0));
  out.usagePercent = clampPercent(100 - out.idlePercent - out.iowaitPercent);
  return out;
}

function meanCpuTimes(all: CpuTimes[]): CpuTimes {
  const out = { ...(all[0] as CpuTimes) };
  for (const key of Object.keys(out) as (keyof CpuTimes)[]) out[key] = all.reduce((s, t) => s + t[key], 0) / all.length;
  return out;
}

/**
 * Replays the recording for one host. `next()` gives the host's frame for the next step (`stepMs` apart, from
 * `startTs`); counters integrate the recorded increments of the replayed frames, times the activity factor and
 * the step in seconds (a 10 s step covers ten recorded seconds' worth of counting).
 */
export class HostReplay {
  private i = 0;
  private readonly period: number;
  private readonly counters = new Map<string, number>();
  private prevIndex = -1;
  private readonly stepSeconds: number;

  constructor(
    private readonly recording: readonly Frame[],
    readonly profile: HostProfile,
    private readonly startTs: number,
    private readonly stepMs = 1000,
  ) {
    this.period = Math.max(1, 2 * recording.length - 2);
    this.stepSeconds = stepMs / 1000;
  }

  /** Recording index of replay position p: forward, then backward, then forward again. */
  private index(p: number): number {
    const n = this.recording.length;
    if (n === 1) return 0;
    const pos = (((this.profile.offset + p) % this.period) + this.period) % this.period;
    return pos < n ? pos : this.period - pos;
  }

  /** The host's base level on its daily curve at `ts`. */
  private daily(ts: number): number {
    return this.profile.activity * (0.75 + 0.25 * Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS + this.profile.phase));
  }

  /** The activity factor of a moment: the daily curve times wobbles of 173 s and 1019 s (periods that never line up). */
  private activityAt(ts: number): number {
    const [a, b] = this.profile.wobblePhases;
    const t = ts / 1000;
    return this.daily(ts) * (1 + 0.08 * Math.sin((2 * Math.PI * t) / 173 + a)) * (1 + 0.05 * Math.sin((2 * Math.PI * t) / 1019 + b));
  }

  /** The activity factor of slowly updated values: the daily curve, constant per 10-minute segment, in steps of 0.05. */
  private segmentActivityAt(ts: number): number {
    return Math.round(this.daily(Math.floor(ts / SEGMENT_MS) * SEGMENT_MS) / 0.05) * 0.05;
  }

  /** Memory in use drifts by up to 1 % over an hour or so, on top of the recorded movements. */
  private memoryScaleAt(ts: number): number {
    return this.profile.memoryScale * (1 + 0.01 * Math.sin((2 * Math.PI * ts) / 3_607_000 + this.profile.wobblePhases[2]));
  }

  /**
   * A counter's next value: the previous one plus the recorded increment between the replayed frames (abs: the
   * replay may run backward), scaled. A counter not seen in the previous frame (a new interface) starts afresh.
   */
  private counter(key: string, now: number, before: number | undefined, f: number): number {
    const previous = this.counters.get(key);
    const value = previous === undefined || before === undefined ? now * f : previous + Math.abs(now - before) * f * this.stepSeconds;
    this.counters.set(key, value);
    return Math.round(value);
  }

  next(): Frame {
    const k = this.index(this.i);
    const rec = this.recording[k] as Frame;
    const before = this.prevIndex >= 0 ? (this.recording[this.prevIndex] as Frame).system : undefined;
    const ts = this.startTs + this.i * this.stepMs;
    const f = this.activityAt(ts);
    const system = this.system(rec.system, before, f, this.segmentActivityAt(ts), this.memoryScaleAt(ts));
    const frame: Frame = {
      v: rec.v,
      type: 'frame',
      seq: this.i,
      ts,
      durationMs: rec.durationMs,
      system,
      processes: rec.processes,
      processesComplete: false,
      collectors: rec.collectors,
    };
    // Keys of counters not seen this frame are dropped, so a vanished interface restarts when it comes back.
    this.seen.clear();
    this.prevIndex = k;
    this.i++;
    return frame;
  }

  private readonly seen = new Set<string>();

  private system(s: SystemReading, b: SystemReading | undefined, f: number, slowF: number, memoryScale: number): SystemReading {
    const p = this.profile;
    const out: SystemReading = {};
    const c = (key: string, now: number, was: number | undefined) => {
      this.seen.add(key);
      return this.counter(key, now, was, f);
    };
    if (s.uptime) {
      const uptimeSeconds = p.uptime0 + this.i * this.stepSeconds + (s.uptime.uptimeSeconds % 1);
      out.uptime = { ...s.uptime, uptimeSeconds, bootTime: this.startTs - p.uptime0 * 1000 };
    }
    if (s.cpu) {
      const recCores = s.cpu.cores.filter((core) => core.times);
      const cores = Array.from({ length: p.cores }, (_, j) => {
        // Each core replays a recorded core from its own point of the recording, so cores do not move in lockstep.
        const frame = this.recording[this.index(this.i + j * 37)] as Frame;
        const source = frame.system.cpu?.cores.filter((core) => core.times) ?? recCores;
        const core = (source[j % Math.max(1, source.length)] ?? recCores[0]) as (typeof recCores)[number];
        return { ...core, cpu: j, times: core.times ? scaleCpuTimes(core.times, f) : core.times };
      });
      const times = cores.map((core) => core.times).filter((t): t is CpuTimes => !!t);
      out.cpu = {
        ...s.cpu,
        logicalCount: p.cores,
        onlineCount: p.cores,
        physicalCount: p.cores,
        total: times.length > 0 ? meanCpuTimes(times) : s.cpu.total,
        cores,
      };
    }
    if (s.load) {
      const lf = (slowF * p.cores) / Math.max(1, s.cpu?.onlineCount ?? 2);
      out.load = {
        load1: roundTo(s.load.load1 * lf, 0.01),
        load5: roundTo(s.load.load5 * lf, 0.01),
        load15: roundTo(s.load.load15 * lf, 0.01),
      };
    }
    if (s.memory) {
      // Total stays; what is in use drifts a little, and available is what is left of the total.
      const m = (v: number) => roundTo(v * memoryScale, 1024);
      const total = roundTo(s.memory.totalBytes * p.memoryScale, 1024);
      const used = Math.min(total, m(s.memory.usedBytes));
      out.memory = {
        totalBytes: total,
        usedBytes: used,
        freeBytes: Math.min(total - used, m(s.memory.freeBytes)),
        sharedBytes: m(s.memory.sharedBytes),
        buffersBytes: m(s.memory.buffersBytes),
        cachedBytes: m(s.memory.cachedBytes),
        availableBytes: total - used,
        usedPercent: total > 0 ? (used / total) * 100 : 0,
      };
    }
    if (s.swap)
      out.swap = {
        ...s.swap,
        inBytesPerSecond: scaled(s.swap.inBytesPerSecond, f),
        outBytesPerSecond: scaled(s.swap.outBytesPerSecond, f),
      };
    if (s.filesystems) {
      const d = (v: number) => roundTo(v * p.diskScale, 4096);
      out.filesystems = s.filesystems.map((fs) => {
        const used = d(fs.usedBytes);
        const free = d(fs.freeBytes);
        const inodesTotal = Math.round(fs.inodesTotal * p.diskScale);
        const inodesUsed = Math.round(fs.inodesUsed * p.diskScale);
        return {
          ...fs,
          sizeBytes: d(fs.sizeBytes),
          usedBytes: used,
          freeBytes: free,
          usedPercent: used + free > 0 ? (used / (used + free)) * 100 : 0,
          inodesTotal,
          inodesUsed,
          inodesFree: inodesTotal - inodesUsed,
          inodesUsedPercent: inodesTotal > 0 ? (inodesUsed / inodesTotal) * 100 : 0,
        };
      });
    }
    if (s.disks) {
      out.disks = s.disks.map((disk) => {
        const was = b?.disks?.find((x) => x.device === disk.device);
        const key = `disk:${disk.device}:`;
        return {
          ...disk,
          readBytesPerSecond: scaled(disk.readBytesPerSecond, f),
          writeBytesPerSecond: scaled(disk.writeBytesPerSecond, f),
          readsPerSecond: scaled(disk.readsPerSecond, f),
          writesPerSecond: scaled(disk.writesPerSecond, f),
          utilPercent: disk.utilPercent === null ? null : clampPercent(disk.utilPercent * f),
          readBytesTotal: c(`${key}rb`, disk.readBytesTotal, was?.readBytesTotal),
          writeBytesTotal: c(`${key}wb`, disk.writeBytesTotal, was?.writeBytesTotal),
          readsTotal: c(`${key}r`, disk.readsTotal, was?.readsTotal),
          writesTotal: c(`${key}w`, disk.writesTotal, was?.writesTotal),
        };
      });
    }
    if (s.network) {
      const counters = [
        'rxBytesTotal',
        'txBytesTotal',
        'rxPacketsTotal',
        'txPacketsTotal',
        'rxErrorsTotal',
        'txErrorsTotal',
        'rxDropsTotal',
        'txDropsTotal',
      ] as const;
      const rates = [
        'rxBytesPerSecond',
        'txBytesPerSecond',
        'rxPacketsPerSecond',
        'txPacketsPerSecond',
        'rxErrorsPerSecond',
        'txErrorsPerSecond',
        'rxDropsPerSecond',
        'txDropsPerSecond',
      ] as const;
      out.network = s.network.map((nic) => {
        const was = b?.network?.find((x) => x.interface === nic.interface);
        const o = { ...nic };
        for (const r of rates) o[r] = scaled(nic[r], f);
        for (const k of counters) o[k] = c(`nic:${nic.interface}:${k}`, nic[k], was?.[k]);
        return o;
      });
    }
    if (s.sockets) {
      const tcp = { ...s.sockets.tcp };
      if (tcp.ESTABLISHED !== undefined) tcp.ESTABLISHED += p.socketShift;
      if (tcp.TIME_WAIT !== undefined) tcp.TIME_WAIT += Math.floor(p.socketShift / 2);
      out.sockets = { tcp, tcpTotal: Object.values(tcp).reduce((a, v) => a + v, 0), udpTotal: s.sockets.udpTotal + (p.socketShift % 7) };
    }
    if (s.kernel) {
      const k = s.kernel;
      const was = b?.kernel;
      const pressure = structuredClone(k.pressure);
      for (const resource of ['cpu', 'memory', 'io'] as const) {
        for (const kind of ['some', 'full'] as const) {
          const line = pressure[resource]?.[kind];
          if (!line) continue;
          line.avg10 = roundTo(clampPercent(line.avg10 * slowF), 0.01);
          line.avg60 = roundTo(clampPercent(line.avg60 * slowF), 0.01);
          line.avg300 = roundTo(clampPercent(line.avg300 * slowF), 0.01);
          line.totalMicroseconds = c(`psi:${resource}:${kind}`, line.totalMicroseconds, was?.pressure[resource]?.[kind]?.totalMicroseconds);
        }
      }
      out.kernel = {
        ...k,
        contextSwitchesPerSecond: scaled(k.contextSwitchesPerSecond, f),
        interruptsPerSecond: scaled(k.interruptsPerSecond, f),
        forksPerSecond: scaled(k.forksPerSecond, f),
        pageFaultsPerSecond: scaled(k.pageFaultsPerSecond, f),
        majorPageFaultsPerSecond: scaled(k.majorPageFaultsPerSecond, f),
        swapInPagesPerSecond: scaled(k.swapInPagesPerSecond, f),
        swapOutPagesPerSecond: scaled(k.swapOutPagesPerSecond, f),
        contextSwitchesTotal: c('k:cs', k.contextSwitchesTotal, was?.contextSwitchesTotal),
        interruptsTotal: c('k:irq', k.interruptsTotal, was?.interruptsTotal),
        forksTotal: c('k:forks', k.forksTotal, was?.forksTotal),
        pageFaultsTotal: c('k:pf', k.pageFaultsTotal, was?.pageFaultsTotal),
        majorPageFaultsTotal: c('k:mpf', k.majorPageFaultsTotal, was?.majorPageFaultsTotal),
        swapInPagesTotal: c('k:si', k.swapInPagesTotal, was?.swapInPagesTotal),
        swapOutPagesTotal: c('k:so', k.swapOutPagesTotal, was?.swapOutPagesTotal),
        pressure,
      };
    }
    if (s.temperatures) out.temperatures = s.temperatures.map((t) => ({ ...t, celsius: t.celsius + (p.socketShift % 9) }));
    if (s.gpus) out.gpus = s.gpus;
    if (s.processes) {
      const shift = p.processShift;
      out.processes = {
        ...s.processes,
        total: s.processes.total + shift,
        sleeping: s.processes.sleeping + shift,
        threads: s.processes.threads + 3 * shift,
      };
    }
    if (s.virtualization) out.virtualization = s.virtualization;
    for (const key of this.counters.keys()) if (!this.seen.has(key)) this.counters.delete(key);
    return out;
  }
}

/** The whole fleet, one step at a time: every host's frame of the same moment. */
export class Fleet {
  readonly replays: HostReplay[];
  private step = 0;

  constructor(
    recording: readonly Frame[],
    readonly profiles: readonly HostProfile[],
    readonly startTs: number,
    readonly stepMs = 1000,
  ) {
    this.replays = profiles.map((p) => new HostReplay(recording, p, startTs, stepMs));
  }

  /** Timestamp of the next step. */
  get nextTs(): number {
    return this.startTs + this.step * this.stepMs;
  }

  /** The frames of the next step, in host order. */
  next(): Frame[] {
    this.step++;
    return this.replays.map((r) => r.next());
  }
}
