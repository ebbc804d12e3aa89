import type { Alert, AlertRule, AlertRuleInput } from '@vigil/schema';
import type { HubConfig } from '../config.ts';
import type { Ingest, LiveState } from '../ingest/index.ts';
import { Dispatcher } from '../notify/dispatcher.ts';
import type { AlertStore } from '../store/index.ts';
import { AlertEngine, type Clock } from './engine.ts';

export { AlertEngine, type Clock, type NotificationKind, severityOf } from './engine.ts';

/** The rules a new hub starts with, after seed 001's thresholds. */
export const DEFAULT_RULES: AlertRuleInput[] = [
  {
    name: 'CPU busy',
    metric: 'cpu_usage_percent',
    // The whole-CPU series has no cpu label; the per-core ones do.
    labels: { cpu: '' },
    op: '>',
    warning: 80,
    critical: 95,
    for: '5m',
    description: 'The whole CPU, all cores together.',
  },
  { name: 'Memory in use', metric: 'memory_used_percent', op: '>', warning: 85, critical: 95, for: '5m' },
  { name: 'Disk full', metric: 'disk_used_percent', op: '>', warning: 85, critical: 95, for: '5m', clear: 83 },
  { name: 'Host offline', kind: 'offline', for: '1m' },
  { name: 'Zombie processes', kind: 'count', count: 'zombies', op: '>', warning: 5, critical: 20, for: '5m' },
];

type Parsed = Omit<AlertRule, 'id' | 'source'>;

/**
 * Alerting in the hub: rules (API, defaults, vigil.yaml), the engine fed by every frame and host status,
 * the dispatcher of notifications, and the counts shown as badges on the fleet.
 */
export class Alerting {
  readonly engine: AlertEngine;
  readonly dispatcher: Dispatcher;
  private rules: AlertRule[] = [];
  private tickTimer: NodeJS.Timeout;
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly store: AlertStore,
    live: LiveState,
    private readonly ingest: Ingest,
    config: HubConfig,
    dataDir: string,
    hubUrl: () => string,
    parse: (input: AlertRuleInput) => Parsed,
    warn: (message: string) => void,
    clock: Clock = { now: Date.now },
    seeded: { get(): boolean; set(): void } = { get: () => true, set() {} },
  ) {
    if (config.alerts.defaults && !seeded.get()) {
      if (store.ruleCount() === 0) for (const r of DEFAULT_RULES) store.addRule(parse(r), 'default');
      if (store.channels().length === 0) store.addChannel({ type: 'log', name: 'log', enabled: true });
      seeded.set();
    }
    store.replaceConfigRules(config.alerts.rules.map((r) => parse(r)));
    store.replaceConfigChannels(config.alerts.channels as Parameters<AlertStore['replaceConfigChannels']>[0]);
    this.reloadRules();
    const tagsOf = (hostId: string) => live.get(hostId)?.record.tags ?? [];
    this.dispatcher = new Dispatcher(
      store,
      clock,
      hubUrl,
      dataDir,
      tagsOf,
      () => this.engine.activeAlerts(),
      () => this.rules,
      {
        groupWaitMs: config.alerts.groupWaitSeconds * 1000,
        groupIntervalMs: config.alerts.groupIntervalMinutes * 60_000,
        repeatIntervalMs: config.alerts.repeatIntervalHours * 3_600_000,
        retryDelaysMs: [2000, 10_000, 30_000],
      },
      warn,
    );
    this.engine = new AlertEngine(
      clock,
      { rules: () => this.rules },
      { open: (a) => store.openAlert(a), update: (a, t) => store.updateAlert(a, t, clock.now()), unresolved: () => store.unresolved() },
      this.dispatcher,
      (hostId, counts) => live.setAlertCounts(hostId, counts),
    );
    for (const [hostId, counts] of this.engine.firing) live.setAlertCounts(hostId, counts);
    this.unsubscribe.push(ingest.onFrame((host, frame) => this.engine.onFrame(host.record.id, host.record.tags, frame)));
    this.unsubscribe.push(
      live.on((event) => {
        if (event.type === 'status' && (event.status === 'offline' || event.host.head))
          this.engine.onStatus(event.host.record.id, event.host.record.tags, event.status);
      }),
    );
    this.tickTimer = setInterval(() => this.engine.tick(), 1000);
    this.tickTimer.unref();
  }

  /** Re-reads the rules after a change, and tells agents which processes the process rules watch. */
  reloadRules(): void {
    this.rules = this.store.rules();
    this.ingest.setFollowNames(this.rules.filter((r) => r.enabled && r.kind === 'process' && r.process).map((r) => r.process as string));
  }

  currentRules(): readonly AlertRule[] {
    return this.rules;
  }

  /** An alert as the API shows it: from the engine while open (live values), else from the store. */
  alert(id: number): Alert | undefined {
    const live = this.engine.active(id);
    const stored = this.store.alert(id);
    if (!stored) return undefined;
    const alert = live
      ? { ...stored, ...live, acknowledgedBy: stored.acknowledgedBy, acknowledgedAt: stored.acknowledgedAt, comment: stored.comment }
      : stored;
    return { ...alert, silenced: alert.state !== 'resolved' && this.dispatcher.isSilenced(alert) };
  }

  acknowledge(id: number, by: string, comment: string | null): Alert | undefined {
    this.store.acknowledge(id, by, comment);
    const live = this.engine.active(id);
    if (live) {
      live.acknowledgedBy = by;
      live.acknowledgedAt = Date.now();
      live.comment = comment;
    }
    return this.alert(id);
  }

  close(): void {
    clearInterval(this.tickTimer);
    for (const u of this.unsubscribe) u();
    this.dispatcher.close();
  }
}
