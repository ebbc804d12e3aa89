import { type AlertRule, compileNameMatcher, type Frame, isNamePattern, type ProcessInfo } from '@vigil/schema';

/**
 * The rules in force, compiled for evaluation: the engine reads a frame's samples once (`forEachSample`, only the
 * metrics rules name) and hands each sample to the rules that read its metric, with label filters as pairs to
 * compare against the sample's label values. Nothing is built per sample unless a rule needs it: no series objects,
 * no label records, no series keys for series that cross nothing (1,000 hosts x 50 rules at 1 Hz, issue 6).
 */
export class RulePlan {
  /** Metrics that threshold, rate and count rules read. */
  readonly metrics = new Set<string>();
  /** Threshold, rate and count rules by the metric they read. */
  readonly byMetric = new Map<string, SampleRule[]>();
  /** Count rules that observe a value even when their series is absent (connections in a state: 0). */
  readonly withAbsentValue: SampleRule[] = [];
  /** Process rules, with the slot of their name or pattern in `ProcessScan`. */
  readonly processRules: { rule: AlertRule; index: number; slot: number }[] = [];
  readonly byId = new Map<number, AlertRule>();
  readonly processes: ProcessScan;
  /** How many rules the plan was made of (the rule list's length then). */
  readonly size: number;

  constructor(readonly rules: readonly AlertRule[]) {
    this.size = rules.length;
    const patterns: string[] = [];
    rules.forEach((rule, index) => {
      this.byId.set(rule.id, rule);
      if (rule.kind === 'threshold' || rule.kind === 'rate') {
        this.add(rule.metric as string, { rule, index, filter: filterOf(rule.labels), subject: null, absentValue: null });
      } else if (rule.kind === 'count' && rule.count === 'zombies') {
        this.add('processes_zombie', { rule, index, filter: null, subject: 'zombie processes', absentValue: null });
      } else if (rule.kind === 'count') {
        const state = (rule.state ?? 'ESTABLISHED').toUpperCase();
        const sampleRule = { rule, index, filter: [['state', state]] as const, subject: `tcp connections ${state}`, absentValue: 0 };
        this.add('tcp_connections', sampleRule);
        this.withAbsentValue.push(sampleRule);
      } else if (rule.kind === 'process') {
        const pattern = rule.process as string;
        let slot = patterns.indexOf(pattern);
        if (slot < 0) slot = patterns.push(pattern) - 1;
        this.processRules.push({ rule, index, slot });
      }
    });
    this.processes = new ProcessScan(patterns);
  }

  private add(metric: string, rule: SampleRule): void {
    this.metrics.add(metric);
    const list = this.byMetric.get(metric);
    if (list) list.push(rule);
    else this.byMetric.set(metric, [rule]);
  }
}

/** A rule that reads samples of one metric. */
export interface SampleRule {
  rule: AlertRule;
  /** The rule's position in the rule list. */
  index: number;
  /** Labels a series must have, as [name, value]; an empty value asks for the label to be absent (as in PromQL). */
  filter: readonly (readonly [string, string])[] | null;
  /** The subject of count rules' alerts; null: the series key. */
  subject: string | null;
  /** What a count rule observes when no series matches; null: nothing (the series is gone). */
  absentValue: number | null;
}

function filterOf(labels: Record<string, string> | undefined): SampleRule['filter'] {
  const pairs = Object.entries(labels ?? {});
  return pairs.length > 0 ? pairs : null;
}

/** Whether a sample's labels pass a rule's filter. */
export function labelsPass(
  filter: SampleRule['filter'],
  labelNames: readonly string[],
  labelValues: readonly string[] | undefined,
): boolean {
  if (!filter) return true;
  for (const [name, want] of filter) {
    const at = labelNames.indexOf(name);
    const have = at >= 0 && labelValues ? (labelValues[at] ?? '') : '';
    if (have !== want) return false;
  }
  return true;
}

/** What process rules read of the processes of one name (or pattern): how many, and the highest CPU and RSS. */
export interface NamedProcesses {
  count: number;
  maxCpuPercent: number;
  maxRssBytes: number;
}

/**
 * The processes of each name or /pattern/ that process rules watch, kernel threads left out: one pass over a frame's
 * processes for all rules (exact names by one map lookup per process), into slots reused from frame to frame.
 */
export class ProcessScan {
  private readonly exact = new Map<string, number>();
  private readonly patterns: { slot: number; matches: (name: string) => boolean }[] = [];
  private readonly slots: NamedProcesses[];
  /** The slots each process name falls in, worked out once per name: names repeat from frame to frame and host to host. */
  private readonly slotsByName = new Map<string, readonly number[]>();
  private scanned: Frame | undefined;

  constructor(names: readonly string[]) {
    this.slots = names.map(() => ({ count: 0, maxCpuPercent: 0, maxRssBytes: 0 }));
    names.forEach((name, slot) => {
      if (isNamePattern(name)) this.patterns.push({ slot, matches: compileNameMatcher(name) });
      else this.exact.set(name, slot);
    });
  }

  /** The processes of slot `slot` in `frame` (the frame is scanned once, on the first call). */
  of(frame: Frame, slot: number): NamedProcesses {
    if (this.scanned !== frame) this.scan(frame);
    return this.slots[slot] as NamedProcesses;
  }

  private scan(frame: Frame): void {
    this.scanned = frame;
    for (const s of this.slots) s.count = s.maxCpuPercent = s.maxRssBytes = 0;
    for (const p of frame.processes) {
      if (p.kernelThread) continue;
      for (const slot of this.slotsOf(p.name)) add(this.slots[slot] as NamedProcesses, p);
    }
  }

  private slotsOf(name: string): readonly number[] {
    let slots = this.slotsByName.get(name);
    if (!slots) {
      const found: number[] = [];
      const exact = this.exact.get(name);
      if (exact !== undefined) found.push(exact);
      for (const pattern of this.patterns) if (pattern.matches(name)) found.push(pattern.slot);
      slots = found.length > 0 ? found : NO_SLOTS;
      // Bounded for hosts that run processes with ever-new names (a PID in the name, say).
      if (this.slotsByName.size >= 10_000) this.slotsByName.clear();
      this.slotsByName.set(name, slots);
    }
    return slots;
  }
}

const NO_SLOTS: readonly number[] = [];

function add(into: NamedProcesses, p: ProcessInfo): void {
  const cpu = p.cpuPercent ?? 0;
  if (into.count === 0 || cpu > into.maxCpuPercent) into.maxCpuPercent = cpu;
  if (into.count === 0 || p.memoryRssBytes > into.maxRssBytes) into.maxRssBytes = p.memoryRssBytes;
  into.count++;
}
