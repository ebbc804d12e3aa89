import { type AlertRule, type Frame, forEachSample, seriesKey } from '@vigil/schema';

/** One thing a rule measures on one host: a series, a process name, or the host itself. */
export interface Observation {
  subject: string;
  value: number;
}

/** The metrics a set of rules reads from frames (so only those are extracted). */
export function metricsOf(rules: readonly AlertRule[]): Set<string> {
  const names = new Set<string>();
  for (const r of rules) {
    if (r.kind === 'threshold' || r.kind === 'rate') names.add(r.metric as string);
    if (r.kind === 'count') names.add(r.count === 'zombies' ? 'processes_zombie' : 'tcp_connections');
  }
  return names;
}

/**
 * One series of a frame, observed by its key. The key and the labels are built when first asked for: most series of
 * most hosts cross no threshold and need neither (1,000 hosts x 50 rules, issue 6).
 */
class Series implements Observation {
  constructor(
    private readonly metric: { name: string; labels: readonly string[] },
    private readonly labelValues: readonly string[] | undefined,
    readonly value: number,
    private cachedKey?: string,
    private cachedLabels?: Record<string, string>,
  ) {}

  /** The series key, `name{label="v"}`. */
  get key(): string {
    this.cachedKey ??= this.labelValues ? seriesKey(this.metric, this.labelValues) : this.metric.name;
    return this.cachedKey;
  }

  get subject(): string {
    return this.key;
  }

  get labels(): Record<string, string> {
    if (!this.cachedLabels) {
      const labels: Record<string, string> = {};
      const names = this.metric.labels;
      if (this.labelValues) for (let i = 0; i < names.length; i++) labels[names[i] as string] = this.labelValues[i] as string;
      this.cachedLabels = labels;
    }
    return this.cachedLabels;
  }
}

/**
 * The values of a frame's series that rules read, by metric: extracted once per frame for all rules.
 * Keys are series keys (`name{label="v"}`), with the labels for filtering.
 */
export function frameValues(
  frame: Frame,
  metrics: ReadonlySet<string>,
): Map<string, { readonly key: string; readonly labels: Record<string, string>; readonly value: number }[]> {
  const out = new Map<string, Series[]>();
  forEachSample(
    frame,
    (metric, value, labelValues) => {
      let list = out.get(metric.name);
      if (!list) {
        list = [];
        out.set(metric.name, list);
      }
      list.push(new Series(metric, labelValues, value));
    },
    metrics,
  );
  for (const sample of frame.custom ?? []) {
    if (!metrics.has(sample.name)) continue;
    const labels = sample.labels ?? {};
    const names = Object.keys(labels).sort();
    const key = seriesKey(
      { name: sample.name, labels: names },
      names.map((n) => labels[n] as string),
    );
    out.set(sample.name, [
      ...(out.get(sample.name) ?? []),
      new Series({ name: sample.name, labels: names }, undefined, sample.value, key, labels),
    ]);
  }
  return out;
}

/**
 * A process name pattern compiled once: the exact name, or /regex/flags. The same rule as processNameMatches
 * (@vigil/schema), which builds the RegExp again on every call, i.e. per process, per rule, per frame (issue 6).
 */
const REGEX_PATTERN = /^\/(.+)\/([a-z]*)$/;

function compileProcessPattern(pattern: string): (name: string) => boolean {
  const m = REGEX_PATTERN.exec(pattern);
  if (!m) return (name) => name === pattern;
  let re: RegExp;
  try {
    re = new RegExp(m[1] as string, m[2]);
  } catch {
    return () => false;
  }
  return (name) => {
    // A fresh RegExp starts at 0; so does this one, even with the g or y flag.
    re.lastIndex = 0;
    try {
      return re.test(name);
    } catch {
      return false;
    }
  };
}

const processMatchers = new Map<string, (name: string) => boolean>();

function processMatcher(pattern: string): (name: string) => boolean {
  let match = processMatchers.get(pattern);
  if (!match) {
    // Patterns come from rules: few. The bound only guards against a long-running hub's edited rules piling up.
    if (processMatchers.size >= 1000) processMatchers.clear();
    match = compileProcessPattern(pattern);
    processMatchers.set(pattern, match);
  }
  return match;
}

/** What process rules read of the processes of one name (or pattern): how many, and the highest CPU and RSS. */
interface NamedProcesses {
  count: number;
  maxCpuPercent: number;
  maxRssBytes: number;
}

const NONE: NamedProcesses = { count: 0, maxCpuPercent: 0, maxRssBytes: 0 };

/**
 * What the frame's processes of a name (or /pattern/) add up to, kernel threads left out: one pass over the
 * processes per distinct pattern and frame, remembered for the other rules naming it (the last frame's only, as
 * rules are evaluated frame by frame).
 */
let namedFrame: Frame | undefined;
const named = new Map<string, NamedProcesses>();

function processesNamed(frame: Frame, pattern: string): NamedProcesses {
  if (namedFrame !== frame) {
    named.clear();
    namedFrame = frame;
  }
  const known = named.get(pattern);
  if (known) return known;
  const exact = !REGEX_PATTERN.test(pattern);
  const matches = exact ? null : processMatcher(pattern);
  let count = 0;
  let maxCpuPercent = 0;
  let maxRssBytes = 0;
  for (const p of frame.processes) {
    if (p.kernelThread || (exact ? p.name !== pattern : !(matches as (name: string) => boolean)(p.name))) continue;
    const cpu = p.cpuPercent ?? 0;
    if (count === 0 || cpu > maxCpuPercent) maxCpuPercent = cpu;
    if (count === 0 || p.memoryRssBytes > maxRssBytes) maxRssBytes = p.memoryRssBytes;
    count++;
  }
  const out = count === 0 ? NONE : { count, maxCpuPercent, maxRssBytes };
  named.set(pattern, out);
  return out;
}

/** Whether a series has the labels a rule asks for; an empty value asks for the label to be absent (as in PromQL). */
const labelsMatch = (want: Record<string, string> | undefined, have: Record<string, string>) =>
  !want || Object.entries(want).every(([k, v]) => (have[k] ?? '') === v);

/**
 * What a rule observes in a frame. Threshold and rate rules give one observation per matching series
 * (rates are taken by the engine from consecutive values); count rules the count; process rules one per
 * name pattern: how many match (missing), or the highest CPU % or memory (MB) among them.
 */
export function observe(rule: AlertRule, frame: Frame, values: ReturnType<typeof frameValues>): Observation[] {
  switch (rule.kind) {
    case 'threshold':
    case 'rate': {
      const series = values.get(rule.metric as string) ?? [];
      // Series are observations (subject = key); a rule without labels does not need them built.
      return rule.labels ? (series as Series[]).filter((s) => labelsMatch(rule.labels, s.labels)) : (series as Series[]);
    }
    case 'count': {
      if (rule.count === 'zombies')
        return (values.get('processes_zombie') ?? []).map((s) => ({ subject: 'zombie processes', value: s.value }));
      const state = (rule.state ?? 'ESTABLISHED').toUpperCase();
      const n = (values.get('tcp_connections') ?? []).find((s) => s.labels.state === state)?.value ?? 0;
      return [{ subject: `tcp connections ${state}`, value: n }];
    }
    case 'process': {
      const subject = `process ${rule.process}`;
      const found = processesNamed(frame, rule.process as string);
      if (rule.check === 'missing') return [{ subject, value: found.count }];
      if (found.count === 0) return [];
      return [{ subject, value: rule.check === 'cpu' ? found.maxCpuPercent : found.maxRssBytes / 1024 / 1024 }];
    }
    case 'offline':
      return [];
  }
}
