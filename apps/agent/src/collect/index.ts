import { statfs as fsStatfs, statfsSync } from 'node:fs';
import { ProcFs, SysFs } from '@vigil/procfs';
import { type AgentCollection, type CollectorStatus, type Frame, PROTOCOL_VERSION } from '@vigil/schema';
import type { CollectContext, CollectOptions, Collector, FrameDraft, ProcessRecord, Roots, StatFs, SystemConstants } from './collector.ts';
import { HOST_ROOTS } from './collector.ts';
import { detectConstants } from './constants.ts';
import { type GpuSource, NvidiaSmiSource } from './gpu.ts';
import { roundTo } from './rates.ts';
import { createCollectors } from './registry.ts';

export * from './collector.ts';
export { detectConstants } from './constants.ts';
export { findExecutable, type GpuSource, NvidiaSmiSource } from './gpu.ts';
export { AGENT_VERSION, readIdentity } from './identity.ts';
export { CounterRates, cpuTimesPercent } from './rates.ts';
export { createCollectors } from './registry.ts';

/** Wraps one cycle's result in the wire envelope. */
export function toFrame(result: CollectionResult, seq: number): Frame {
  const { ts, durationMs, system, processes, processesComplete, connections, custom, collectors } = result;
  const frame: Frame = { v: PROTOCOL_VERSION, type: 'frame', seq, ts, durationMs, system, processes, processesComplete, collectors };
  if (connections) frame.connections = connections;
  if (custom) frame.custom = custom;
  return frame;
}

/** The result of one cycle: the host's part of a frame plus how each collector fared. */
export interface CollectionResult extends FrameDraft {
  /** Wall clock at the start of the cycle, Unix milliseconds. */
  ts: number;
  collectors: Record<string, CollectorStatus>;
  durationMs: number;
}

export interface CollectionSetup {
  roots?: Roots;
  constants?: SystemConstants;
  statfs?: (path: string) => Promise<StatFs>;
  gpu?: GpuSource;
  /** Replaces the default registry (tests run subsets). */
  collectors?: Collector[];
  /** Clocks, replaceable so that fixture runs are deterministic. */
  monotonicMs?: () => number;
  wallMs?: () => number;
  intervalMs?: number;
  /** Custom metric plugins and textfile folder. */
  custom?: AgentCollection;
}

const nodeStatfs = (path: string) =>
  new Promise<StatFs>((resolve, reject) => fsStatfs(path, (error, stats) => (error ? reject(error) : resolve(stats))));

export const DEFAULT_OPTIONS: CollectOptions = { allProcesses: false, connections: false, followPids: new Set() };

/**
 * Runs every collector once per `collect()` call. Collectors keep state between calls (previous counters), so
 * the first call has no rates. A collector that throws is contained: its section is missing and its error is
 * reported under `collectors[name]`.
 */
export class Collection {
  readonly proc: ProcFs;
  readonly sys: SysFs;
  readonly roots: Roots;
  readonly constants: SystemConstants;
  private readonly collectors: Collector[];
  private readonly statfs: (path: string) => Promise<StatFs>;
  private readonly statfsSync: ((path: string) => StatFs) | undefined;
  private readonly monotonicMs: () => number;
  private readonly wallMs: () => number;
  /** The whole process table of the latest cycle (frames may carry only part of it). */
  lastProcessTable: ProcessRecord[] = [];

  constructor(setup: CollectionSetup = {}) {
    this.roots = setup.roots ?? HOST_ROOTS;
    this.proc = new ProcFs(this.roots.proc);
    this.sys = new SysFs(this.roots.sys);
    this.constants = setup.constants ?? detectConstants();
    this.statfs = setup.statfs ?? nodeStatfs;
    // With an injected statfs (fixtures), every mount goes through it.
    this.statfsSync = setup.statfs ? undefined : (path) => statfsSync(path);
    this.monotonicMs = setup.monotonicMs ?? (() => performance.now());
    this.wallMs = setup.wallMs ?? Date.now;
    this.collectors = setup.collectors ?? createCollectors(setup.gpu ?? new NvidiaSmiSource(setup.intervalMs ?? 1000), setup.custom);
  }

  /** The names of the collectors, in the order they run. */
  get names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  async collect(options: CollectOptions = DEFAULT_OPTIONS): Promise<CollectionResult> {
    const started = performance.now();
    this.proc.beginCycle();
    const ctx: CollectContext = {
      proc: this.proc,
      sys: this.sys,
      roots: this.roots,
      constants: this.constants,
      statfs: this.statfs,
      statfsSync: this.statfsSync,
      monotonicMs: this.monotonicMs(),
      wallMs: this.wallMs(),
      options,
      processTable: [],
    };
    const out: FrameDraft = { system: {}, processes: [], processesComplete: false };
    const collectors: Record<string, CollectorStatus> = {};
    for (const collector of this.collectors) {
      const t0 = performance.now();
      let error: string | null = null;
      try {
        await collector.collect(ctx, out);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      collectors[collector.name] = { durationMs: roundTo(performance.now() - t0, 3), error };
    }
    if (ctx.processTable.length > 0 || collectors.processes?.error) this.lastProcessTable = ctx.processTable;
    return { ...out, ts: ctx.wallMs, collectors, durationMs: roundTo(performance.now() - started, 3) };
  }

  /**
   * Runs `cycles` collections back to back and throws their results away. V8 optimises a function after it
   * has run a while; at one cycle a second, that takes a minute or two, during which a cycle costs two to
   * three times as much. A few hundred milliseconds of this at start buy the steady-state cost from the
   * first real cycle, whose rates are then taken over the time since the last warm-up cycle.
   */
  async warmUp(options: CollectOptions = DEFAULT_OPTIONS, cycles = 50): Promise<void> {
    for (let i = 0; i < cycles; i++) await this.collect(options);
  }

  close(): void {
    for (const c of this.collectors) c.close?.();
    this.proc.close();
  }
}
