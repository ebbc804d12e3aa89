import {
  type Alert,
  type AlertRule,
  type Comparison,
  durationMs,
  type Frame,
  forEachSample,
  type MetricDef,
  type Severity,
  seriesKey,
} from '@vigil/schema';
import { labelsPass, RulePlan } from './measure.ts';

export interface Clock {
  now(): number;
}

/** The rules in force. */
export interface RuleSource {
  /**
   * The rules, as the same array while they are unchanged and a new array when they change: the engine compiles
   * each array once (RulePlan), so an array edited in place keeps its old plan.
   */
  rules(): readonly AlertRule[];
}

/** Where alerts and their transitions are kept. */
export interface AlertRecords {
  open(alert: Omit<Alert, 'id'>): Alert;
  update(alert: Alert, transition: { from: string; to: string }): void;
  /** Alerts not resolved yet (to carry on after a restart). */
  unresolved(): Alert[];
}

export type NotificationKind = 'firing' | 'resolved' | 'escalated' | 'repeat';

/** Hears about alerts that should be told; it must return at once (delivery is its own business). */
export interface Notifier {
  notify(alert: Alert, kind: NotificationKind, rule: AlertRule | undefined): void;
}

interface Instance {
  alert: Alert;
  /** Manually resolved while the condition held: re-arms once the condition clears. */
  muted: boolean;
  /** The last frame (the engine's count) that observed its subject: an alert not seen in a frame has lost its series. */
  seen: number;
}

/** A custom metric's series as the sample sink sees it: its label names sorted. */
type CustomMetric = { name: string; labels: readonly string[]; custom: true };

/** A sample's series key: the subject of its alerts. */
const keyOf = (metric: MetricDef | CustomMetric, labelValues: readonly string[] | undefined) =>
  labelValues && labelValues.length > 0 ? seriesKey(metric, labelValues) : metric.name;

const compare = (op: Comparison, a: number, b: number) =>
  op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : op === '<=' ? a <= b : op === '==' ? a === b : a !== b;

/** The severity a value reaches under a rule, or null when it crosses no threshold. */
export function severityOf(rule: AlertRule, value: number): Severity | null {
  if (rule.kind === 'offline') return value > 0 ? 'critical' : null;
  if (rule.kind === 'process' && rule.check === 'missing')
    return value < 1 ? (rule.warning !== undefined && rule.critical === undefined ? 'warning' : 'critical') : null;
  if (rule.critical !== undefined && compare(rule.op, value, rule.critical)) return 'critical';
  if (rule.warning !== undefined && compare(rule.op, value, rule.warning)) return 'warning';
  return null;
}

/** Whether a firing alert's value is back past its clear level (the hysteresis: default, the lowest threshold). */
function cleared(rule: AlertRule, value: number): boolean {
  if (rule.kind === 'offline' || (rule.kind === 'process' && rule.check === 'missing')) return severityOf(rule, value) === null;
  const level = rule.clear ?? rule.warning ?? rule.critical;
  if (level === undefined) return true;
  return !compare(rule.op, value, level);
}

function thresholdOf(rule: AlertRule, severity: Severity): number | null {
  return (severity === 'critical' ? rule.critical : rule.warning) ?? rule.critical ?? rule.warning ?? null;
}

function describe(rule: AlertRule, hostId: string, subject: string, value: number | null, severity: Severity): string {
  if (rule.kind === 'offline') return `${hostId} stopped reporting`;
  if (rule.kind === 'process' && rule.check === 'missing') return `no process matching ${rule.process} on ${hostId}`;
  const unit = rule.kind === 'process' && rule.check === 'memory' ? ' MB' : rule.kind === 'rate' ? '/s' : '';
  const v = value === null ? '?' : Number.isInteger(value) ? String(value) : value.toFixed(2);
  return `${subject} on ${hostId} is ${v}${unit} (${severity}: ${rule.op} ${thresholdOf(rule, severity)}${unit})`;
}

/**
 * Evaluates rules as frames arrive: per rule, host and subject (a series, a process), an alert goes
 * pending when a threshold is crossed, firing when it held for the rule's `for`, and resolved when the value
 * is back past the clear level (hysteresis). Severity follows the value while firing (escalation is told).
 * Offline rules follow the hosts' status. `tick()` (every second) fires pending alerts whose time has come
 * even when no frame comes (an offline host sends none). Everything it needs comes through narrow
 * interfaces (clock, rules, records, notifier), so it is tested with a fake clock.
 */
export class AlertEngine {
  private instances = new Map<string, Instance>();
  /** The same instances by host and rule, so that a frame looks at its own host's alerts, not the whole fleet's (issue 6). */
  private instancesByHost = new Map<string, Map<number, Map<string, Instance>>>();
  /** For rate rules: the previous reading of each counter, by host, rule, metric (see rate()) and label values. */
  private ratePrevious = new Map<string, Map<number, Map<string, Map<string, { value: number; at: number }>>>>();
  private plan = new RulePlan([]);
  /** Frames evaluated so far; instances remember the last one that observed them. */
  private frames = 0;
  /** The frame being evaluated (onFrame is synchronous): what the sample sink needs, without a closure per frame. */
  private readonly current = {
    hostId: '',
    now: 0,
    ts: 0,
    /** Per rule (by position): whether it covers the host; for count rules with a value when absent, 2 once observed. */
    applies: new Uint8Array(0),
  };
  private readonly sink = (metric: MetricDef | CustomMetric, value: number, labelValues?: readonly string[]) =>
    this.onSample(metric, value, labelValues);
  /** Counts of firing alerts by host, for the fleet's badges. */
  readonly firing = new Map<string, { warning: number; critical: number }>();
  evaluations = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rules: RuleSource,
    private readonly records: AlertRecords,
    private readonly notifier: Notifier,
    private readonly onCounts: (hostId: string, counts: { warning: number; critical: number }) => void = () => {},
  ) {
    for (const alert of records.unresolved())
      this.track(this.key(alert.ruleId, alert.hostId, alert.subject), { alert, muted: false, seen: 0 });
    this.recount();
  }

  private track(key: string, instance: Instance): void {
    this.instances.set(key, instance);
    const { hostId, ruleId } = instance.alert;
    let byRule = this.instancesByHost.get(hostId);
    if (!byRule) {
      byRule = new Map();
      this.instancesByHost.set(hostId, byRule);
    }
    const own = byRule.get(ruleId);
    if (own) own.set(key, instance);
    else byRule.set(ruleId, new Map([[key, instance]]));
  }

  private untrack(key: string, instance: Instance): void {
    this.instances.delete(key);
    const { hostId, ruleId } = instance.alert;
    const byRule = this.instancesByHost.get(hostId);
    const own = byRule?.get(ruleId);
    if (!byRule || !own?.delete(key) || own.size > 0) return;
    byRule.delete(ruleId);
    if (byRule.size === 0) this.instancesByHost.delete(hostId);
  }

  private key(ruleId: number, hostId: string, subject: string): string {
    return `${ruleId}\u0000${hostId}\u0000${subject}`;
  }

  private applies(rule: AlertRule, hostId: string, tags: readonly string[]): boolean {
    return rule.enabled && (!rule.scope.host || rule.scope.host === hostId) && (!rule.scope.tag || tags.includes(rule.scope.tag));
  }

  /**
   * Evaluates the frame of a host against every rule that covers it: threshold, rate and count rules on each sample
   * of the metrics they read, process rules on one scan of the processes, then alerts whose series is gone.
   */
  onFrame(hostId: string, tags: readonly string[], frame: Frame): void {
    const rules = this.rules.rules();
    if (rules !== this.plan.rules || rules.length !== this.plan.size) {
      this.plan = new RulePlan(rules);
      this.current.applies = new Uint8Array(rules.length);
      // Counters' previous readings of rules that are gone (an id can come back for a new rule).
      for (const byRule of this.ratePrevious.values()) for (const id of byRule.keys()) if (!this.plan.byId.has(id)) byRule.delete(id);
    }
    const plan = this.plan;
    const frameNo = ++this.frames;
    const current = this.current;
    current.hostId = hostId;
    current.now = this.clock.now();
    current.ts = frame.ts;
    const applies = current.applies;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as AlertRule;
      const covers = rule.kind !== 'offline' && this.applies(rule, hostId, tags);
      applies[i] = covers ? 1 : 0;
      if (covers) this.evaluations++;
    }

    forEachSample(frame, this.sink, plan.metrics);
    for (const sample of frame.custom ?? []) {
      if (!plan.byMetric.has(sample.name)) continue;
      const labels = sample.labels ?? {};
      const names = Object.keys(labels).sort();
      this.onSample(
        { name: sample.name, labels: names, custom: true },
        sample.value,
        names.length > 0 ? names.map((n) => labels[n] as string) : undefined,
      );
    }
    // Connections in a state nobody is in: 0, not "gone".
    for (const { rule, index, subject, absentValue } of plan.withAbsentValue) {
      if (applies[index] === 1) this.observe(rule, subject as string, absentValue as number);
    }
    for (const { rule, index, slot } of plan.processRules) {
      if (applies[index] !== 1) continue;
      const subject = `process ${rule.process}`;
      const found = plan.processes.of(frame, slot);
      if (rule.check === 'missing') this.observe(rule, subject, found.count);
      else if (found.count > 0) this.observe(rule, subject, rule.check === 'cpu' ? found.maxCpuPercent : found.maxRssBytes / 1024 / 1024);
    }

    // A series that is gone (a filesystem unmounted, an interface removed) no longer holds its condition, nor
    // does a process over its CPU or memory level that exited (agents always send the processes rules name).
    const byRule = this.instancesByHost.get(hostId);
    if (!byRule) return;
    for (const [ruleId, own] of byRule) {
      const rule = plan.byId.get(ruleId);
      if (!rule || rule.kind === 'offline' || !this.applies(rule, hostId, tags)) continue;
      for (const [key, instance] of own) {
        if (instance.seen === frameNo || instance.alert.state === 'resolved') continue;
        this.resolve(key, instance, rule, current.now, rule.kind === 'process' ? 'the process is gone' : 'the series is gone');
      }
    }
  }

  /** One sample of a frame, for the rules that read its metric. */
  private onSample(metric: MetricDef | CustomMetric, value: number, labelValues: readonly string[] | undefined): void {
    const readers = this.plan.byMetric.get(metric.name);
    if (!readers) return;
    const applies = this.current.applies;
    let key: string | undefined;
    for (const reader of readers) {
      if (applies[reader.index] === 0 || !labelsPass(reader.filter, metric.labels, labelValues)) continue;
      const rule = reader.rule;
      if (reader.subject !== null) {
        // A count rule: one subject per host, observed once per frame.
        if (applies[reader.index] === 2) continue;
        if (reader.absentValue !== null) applies[reader.index] = 2;
        this.observe(rule, reader.subject, value);
        continue;
      }
      const has = this.instancesByHost.get(this.current.hostId)?.has(rule.id) === true;
      const observed = rule.kind === 'rate' ? this.rate(rule, metric, labelValues, value) : value;
      if (observed === null) {
        // No rate this time (a first reading, a reset): the series is still there, its alert stays as it is.
        if (!has) continue;
        key ??= keyOf(metric, labelValues);
        const instance = this.instances.get(this.key(rule.id, this.current.hostId, key));
        if (instance) instance.seen = this.frames;
        continue;
      }
      // Most series cross nothing where the rule has no alert on this host: nothing to do, not even the key to build.
      if (!has && severityOf(rule, observed) === null) continue;
      key ??= keyOf(metric, labelValues);
      this.step(rule, this.current.hostId, key, observed);
    }
  }

  /**
   * A rate rule's value: the counter's change per second since its previous reading, remembered by host, rule and
   * series (metric, label names and values: a rule edited to read another metric keeps its id, and custom series
   * of one metric may differ by their label names alone). The first reading, and a counter that went down (a
   * reset), give none.
   */
  private rate(
    rule: AlertRule,
    metric: MetricDef | CustomMetric,
    labelValues: readonly string[] | undefined,
    value: number,
  ): number | null {
    const { hostId, ts } = this.current;
    let byRule = this.ratePrevious.get(hostId);
    if (!byRule) {
      byRule = new Map();
      this.ratePrevious.set(hostId, byRule);
    }
    let byMetric = byRule.get(rule.id);
    if (!byMetric) {
      byMetric = new Map();
      byRule.set(rule.id, byMetric);
    }
    // By metric (with its label names: a catalogue metric's are fixed, a custom one's vary), then label values.
    const metricKey = 'custom' in metric ? `${metric.name}\u0000${metric.labels.join('\u0000')}` : metric.name;
    let bySeries = byMetric.get(metricKey);
    if (!bySeries) {
      bySeries = new Map();
      byMetric.set(metricKey, bySeries);
    }
    const series =
      !labelValues || labelValues.length === 0 ? '' : labelValues.length === 1 ? (labelValues[0] as string) : labelValues.join('\u0000');
    const prior = bySeries.get(series);
    if (!prior) {
      bySeries.set(series, { value, at: ts });
      return null;
    }
    const { value: priorValue, at: priorAt } = prior;
    prior.value = value;
    prior.at = ts;
    if (ts <= priorAt || value < priorValue) return null;
    return (value - priorValue) / ((ts - priorAt) / 1000);
  }

  /** A value a rule observes for a subject that is not a series (a count, a process name). */
  private observe(rule: AlertRule, subject: string, value: number): void {
    if (severityOf(rule, value) === null && !this.instancesByHost.get(this.current.hostId)?.has(rule.id)) return;
    this.step(rule, this.current.hostId, subject, value);
  }

  /** A host went offline or came back. */
  onStatus(hostId: string, tags: readonly string[], status: 'online' | 'offline'): void {
    const now = this.clock.now();
    for (const rule of this.rules.rules()) {
      if (rule.kind !== 'offline' || !this.applies(rule, hostId, tags)) continue;
      this.step(rule, hostId, 'host', status === 'offline' ? 1 : 0, now);
    }
  }

  /** Moves the alert of a rule, host and subject along with a value it observed. */
  private step(rule: AlertRule, hostId: string, subject: string, value: number, now = this.current.now): void {
    const key = this.key(rule.id, hostId, subject);
    let instance = this.instances.get(key);
    if (instance) instance.seen = this.frames;
    const severity = severityOf(rule, value);
    if (!instance || instance.alert.state === 'resolved') {
      if (instance?.muted) {
        if (severity === null || cleared(rule, value)) instance.muted = false;
        return;
      }
      if (severity === null) return;
      const alert = this.records.open({
        ruleId: rule.id,
        ruleName: rule.name,
        hostId,
        subject,
        state: 'pending',
        severity,
        value,
        threshold: thresholdOf(rule, severity),
        message: describe(rule, hostId, subject, value, severity),
        startedAt: now,
        firedAt: null,
        resolvedAt: null,
        resolvedBy: null,
        acknowledgedBy: null,
        acknowledgedAt: null,
        comment: null,
        silenced: false,
      });
      instance = { alert, muted: false, seen: this.frames };
      this.track(key, instance);
      this.maybeFire(rule, instance, now);
      return;
    }
    const alert = instance.alert;
    alert.value = value;
    if (alert.state === 'pending') {
      if (severity === null) {
        this.resolve(key, instance, rule, now, 'cleared before firing');
        return;
      }
      alert.severity = severity;
      alert.threshold = thresholdOf(rule, severity);
      alert.message = describe(rule, hostId, subject, value, severity);
      this.maybeFire(rule, instance, now);
      return;
    }
    // Firing: resolve past the clear level; otherwise follow the severity up and down.
    if (cleared(rule, value)) {
      this.resolve(key, instance, rule, now, 'cleared');
      return;
    }
    const next = severity ?? alert.severity;
    if (next !== alert.severity) {
      const escalated = next === 'critical';
      alert.severity = next;
      alert.threshold = thresholdOf(rule, next);
      alert.message = describe(rule, hostId, subject, value, next);
      this.records.update(alert, { from: 'firing', to: 'firing' });
      this.recount();
      if (escalated) this.notifier.notify(alert, 'escalated', rule);
    }
  }

  private maybeFire(rule: AlertRule, instance: Instance, now: number): void {
    const alert = instance.alert;
    if (alert.state !== 'pending' || now - alert.startedAt < durationMs(rule.for)) return;
    alert.state = 'firing';
    alert.firedAt = now;
    this.records.update(alert, { from: 'pending', to: 'firing' });
    this.recount();
    this.notifier.notify(alert, 'firing', rule);
  }

  private resolve(key: string, instance: Instance, rule: AlertRule | undefined, now: number, why: string, by: string | null = null): void {
    const alert = instance.alert;
    const wasFiring = alert.state === 'firing';
    const from = alert.state;
    alert.state = 'resolved';
    alert.resolvedAt = now;
    alert.resolvedBy = by ?? why;
    this.records.update(alert, { from, to: 'resolved' });
    this.recount();
    if (wasFiring) this.notifier.notify(alert, 'resolved', rule);
    if (!by) this.untrack(key, instance);
  }

  /** Fires pending alerts whose `for` has passed, also for hosts that send nothing (offline). */
  tick(): void {
    const now = this.clock.now();
    const rules = new Map(this.rules.rules().map((r) => [r.id, r]));
    for (const [key, instance] of this.instances) {
      const rule = rules.get(instance.alert.ruleId);
      if (!rule?.enabled) {
        if (instance.alert.state !== 'resolved') this.resolve(key, instance, rule, now, 'the rule was removed or disabled');
        continue;
      }
      if (instance.alert.state === 'pending') this.maybeFire(rule, instance, now);
    }
  }

  /** Someone resolved an alert by hand: it stays quiet until its condition clears once. */
  resolveManually(alertId: number, by: string): Alert | null {
    for (const [key, instance] of this.instances) {
      if (instance.alert.id !== alertId || instance.alert.state === 'resolved') continue;
      const rule = this.rules.rules().find((r) => r.id === instance.alert.ruleId);
      this.resolve(key, instance, rule, this.clock.now(), 'resolved by hand', `${by} (by hand)`);
      instance.muted = true;
      return instance.alert;
    }
    return null;
  }

  /** The live alert object of an unresolved alert (the records keep the rest). */
  active(alertId: number): Alert | null {
    for (const instance of this.instances.values())
      if (instance.alert.id === alertId && instance.alert.state !== 'resolved') return instance.alert;
    return null;
  }

  activeAlerts(): Alert[] {
    return [...this.instances.values()].map((i) => i.alert).filter((a) => a.state !== 'resolved');
  }

  private recount(): void {
    const counts = new Map<string, { warning: number; critical: number }>();
    for (const { alert } of this.instances.values()) {
      if (alert.state !== 'firing') continue;
      const c = counts.get(alert.hostId) ?? { warning: 0, critical: 0 };
      if (alert.severity === 'critical') c.critical++;
      else c.warning++;
      counts.set(alert.hostId, c);
    }
    for (const hostId of new Set([...counts.keys(), ...this.firing.keys()])) {
      const next = counts.get(hostId) ?? { warning: 0, critical: 0 };
      const before = this.firing.get(hostId);
      if (before && before.warning === next.warning && before.critical === next.critical) continue;
      if (next.warning + next.critical === 0) this.firing.delete(hostId);
      else this.firing.set(hostId, next);
      this.onCounts(hostId, next);
    }
  }
}
