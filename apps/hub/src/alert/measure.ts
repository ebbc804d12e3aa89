import { type AlertRule, type Frame, forEachSample, type ProcessInfo, processNameMatches, seriesKey } from '@vigil/schema';

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
 * The values of a frame's series that rules read, by metric: extracted once per frame for all rules.
 * Keys are series keys (`name{label="v"}`), with the labels for filtering.
 */
export function frameValues(
  frame: Frame,
  metrics: ReadonlySet<string>,
): Map<string, { key: string; labels: Record<string, string>; value: number }[]> {
  const out = new Map<string, { key: string; labels: Record<string, string>; value: number }[]>();
  forEachSample(
    frame,
    (metric, value, labelValues) => {
      const labels: Record<string, string> = {};
      if (labelValues) {
        for (const [i, name] of metric.labels.entries()) labels[name] = labelValues[i] as string;
      }
      let list = out.get(metric.name);
      if (!list) {
        list = [];
        out.set(metric.name, list);
      }
      list.push({ key: labelValues ? seriesKey(metric, labelValues) : metric.name, labels, value });
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
    out.set(sample.name, [...(out.get(sample.name) ?? []), { key, labels, value: sample.value }]);
  }
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
    case 'rate':
      return (values.get(rule.metric as string) ?? [])
        .filter((s) => labelsMatch(rule.labels, s.labels))
        .map((s) => ({ subject: s.key, value: s.value }));
    case 'count': {
      if (rule.count === 'zombies')
        return (values.get('processes_zombie') ?? []).map((s) => ({ subject: 'zombie processes', value: s.value }));
      const state = (rule.state ?? 'ESTABLISHED').toUpperCase();
      const n = (values.get('tcp_connections') ?? []).find((s) => s.labels.state === state)?.value ?? 0;
      return [{ subject: `tcp connections ${state}`, value: n }];
    }
    case 'process': {
      const matching = frame.processes.filter((p: ProcessInfo) => !p.kernelThread && processNameMatches(rule.process as string, p.name));
      const subject = `process ${rule.process}`;
      if (rule.check === 'missing') return [{ subject, value: matching.length }];
      if (matching.length === 0) return [];
      const value =
        rule.check === 'cpu'
          ? Math.max(...matching.map((p) => p.cpuPercent ?? 0))
          : Math.max(...matching.map((p) => p.memoryRssBytes / 1024 / 1024));
      return [{ subject, value }];
    }
    case 'offline':
      return [];
  }
}
