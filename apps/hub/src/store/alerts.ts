import {
  type Alert,
  type AlertRule,
  type AlertTransition,
  durationMs,
  type NotificationChannel,
  type Silence,
  type SilenceInput,
} from '@vigil/schema';
import type { Db } from './db.ts';

interface AlertRow {
  id: number;
  rule_id: number;
  rule_name: string;
  host_id: string;
  subject: string;
  state: Alert['state'];
  severity: Alert['severity'];
  value: number | null;
  threshold: number | null;
  message: string;
  started_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  resolved_by: string | null;
  ack_by: string | null;
  ack_at: number | null;
  comment: string | null;
}

const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  ruleId: r.rule_id,
  ruleName: r.rule_name,
  hostId: r.host_id,
  subject: r.subject,
  state: r.state,
  severity: r.severity,
  value: r.value,
  threshold: r.threshold,
  message: r.message,
  startedAt: r.started_at,
  firedAt: r.fired_at,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
  acknowledgedBy: r.ack_by,
  acknowledgedAt: r.ack_at,
  comment: r.comment,
  silenced: false,
});

export interface AlertQuery {
  state?: Alert['state'];
  since?: number;
  hostId?: string;
  ruleId?: number;
  limit?: number;
}

/** Rules, alerts with their transitions, channels, silences and the log of notifications. */
export class AlertStore {
  constructor(private readonly db: Db) {}

  // Rules

  rules(): AlertRule[] {
    const rows = this.db.prepare('SELECT id, definition, source FROM alert_rules ORDER BY id').all() as {
      id: number;
      definition: string;
      source: AlertRule['source'];
    }[];
    return rows.map((r) => ({ ...JSON.parse(r.definition), id: r.id, source: r.source }) as AlertRule);
  }
  ruleCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alert_rules').get() as { n: number }).n;
  }
  addRule(rule: Omit<AlertRule, 'id' | 'source'>, source: AlertRule['source'], now = Date.now()): AlertRule {
    const id = Number(
      this.db
        .prepare('INSERT INTO alert_rules (name, definition, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(rule.name, JSON.stringify(rule), source, now, now).lastInsertRowid,
    );
    return { ...rule, id, source } as AlertRule;
  }
  updateRule(id: number, rule: Omit<AlertRule, 'id' | 'source'>, now = Date.now()): void {
    this.db
      .prepare('UPDATE alert_rules SET name = ?, definition = ?, updated_at = ? WHERE id = ?')
      .run(rule.name, JSON.stringify(rule), now, id);
  }
  removeRule(id: number): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }
  /** Replaces the rules that came from vigil.yaml with the current ones. */
  replaceConfigRules(rules: Omit<AlertRule, 'id' | 'source'>[]): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM alert_rules WHERE source = 'config'").run();
      for (const r of rules) this.addRule(r, 'config');
    })();
  }

  // Alerts

  openAlert(a: Omit<Alert, 'id'>): Alert {
    const id = this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO alerts (rule_id, rule_name, host_id, subject, state, severity, value, threshold, message, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(a.ruleId, a.ruleName, a.hostId, a.subject, a.state, a.severity, a.value, a.threshold, a.message, a.startedAt)
          .lastInsertRowid,
      );
      this.db
        .prepare('INSERT INTO alert_transitions (alert_id, at, from_state, to_state, severity, value) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, a.startedAt, 'none', a.state, a.severity, a.value);
      return id;
    })();
    return { ...a, id };
  }

  updateAlert(a: Alert, transition: { from: string; to: string }, at: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'UPDATE alerts SET state = ?, severity = ?, value = ?, threshold = ?, message = ?, fired_at = ?, resolved_at = ?, resolved_by = ? WHERE id = ?',
        )
        .run(a.state, a.severity, a.value, a.threshold, a.message, a.firedAt, a.resolvedAt, a.resolvedBy, a.id);
      this.db
        .prepare('INSERT INTO alert_transitions (alert_id, at, from_state, to_state, severity, value) VALUES (?, ?, ?, ?, ?, ?)')
        .run(a.id, at, transition.from, transition.to, a.severity, a.value);
    })();
  }

  unresolved(): Alert[] {
    return (this.db.prepare("SELECT * FROM alerts WHERE state != 'resolved' ORDER BY id").all() as AlertRow[]).map(toAlert);
  }

  alert(id: number): Alert | undefined {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? toAlert(row) : undefined;
  }

  alerts(q: AlertQuery): Alert[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM alerts WHERE (? IS NULL OR state = ?) AND (? IS NULL OR COALESCE(resolved_at, ?) >= ?) AND (? IS NULL OR host_id = ?) AND (? IS NULL OR rule_id = ?)
         ORDER BY started_at DESC LIMIT ?`,
      )
      .all(
        q.state ?? null,
        q.state ?? null,
        q.since ?? null,
        Number.MAX_SAFE_INTEGER,
        q.since ?? 0,
        q.hostId ?? null,
        q.hostId ?? null,
        q.ruleId ?? null,
        q.ruleId ?? null,
        q.limit ?? 1000,
      ) as AlertRow[];
    return rows.map(toAlert);
  }

  transitions(alertId: number): AlertTransition[] {
    return (
      this.db
        .prepare('SELECT at, from_state AS "from", to_state AS "to", severity, value FROM alert_transitions WHERE alert_id = ? ORDER BY id')
        .all(alertId) as AlertTransition[]
    ).map((t) => ({ ...t }));
  }

  acknowledge(id: number, by: string, comment: string | null, at = Date.now()): void {
    this.db.prepare('UPDATE alerts SET ack_by = ?, ack_at = ?, comment = ? WHERE id = ?').run(by, at, comment, id);
    this.db
      .prepare(
        "INSERT INTO alert_transitions (alert_id, at, from_state, to_state, severity, value) SELECT id, ?, state, 'acknowledged', severity, value FROM alerts WHERE id = ?",
      )
      .run(at, id);
  }

  lastNotified(id: number): number | null {
    return (
      (this.db.prepare('SELECT last_notified_at AS t FROM alerts WHERE id = ?').get(id) as { t: number | null } | undefined)?.t ?? null
    );
  }
  markNotified(ids: number[], at: number): void {
    const statement = this.db.prepare('UPDATE alerts SET last_notified_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) statement.run(at, id);
    })();
  }

  /** Counts of alerts started since a time, by severity, rule and host. */
  statistics(since: number): {
    bySeverity: Record<string, number>;
    byRule: Record<string, number>;
    byHost: Record<string, number>;
    total: number;
    firing: number;
  } {
    const group = (column: string) =>
      Object.fromEntries(
        (
          this.db
            .prepare(`SELECT ${column} AS k, count(*) AS n FROM alerts WHERE started_at >= ? AND fired_at IS NOT NULL GROUP BY ${column}`)
            .all(since) as { k: string; n: number }[]
        ).map((r) => [r.k, r.n]),
      );
    const total = (
      this.db.prepare('SELECT count(*) AS n FROM alerts WHERE started_at >= ? AND fired_at IS NOT NULL').get(since) as { n: number }
    ).n;
    const firing = (this.db.prepare("SELECT count(*) AS n FROM alerts WHERE state = 'firing'").get() as { n: number }).n;
    return { bySeverity: group('severity'), byRule: group('rule_name'), byHost: group('host_id'), total, firing };
  }

  // Channels

  channels(): NotificationChannel[] {
    const rows = this.db.prepare('SELECT id, config, last_sent_at, last_error FROM channels ORDER BY id').all() as {
      id: number;
      config: string;
      last_sent_at: number | null;
      last_error: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, config: JSON.parse(r.config), lastSentAt: r.last_sent_at, lastError: r.last_error }));
  }
  addChannel(config: NotificationChannel['config'], source: 'api' | 'default' | 'config' = 'api', now = Date.now()): NotificationChannel {
    const id = Number(
      this.db
        .prepare('INSERT INTO channels (name, config, source, created_at) VALUES (?, ?, ?, ?)')
        .run(config.name, JSON.stringify(config), source, now).lastInsertRowid,
    );
    return { id, config, lastSentAt: null, lastError: null };
  }
  updateChannel(id: number, config: NotificationChannel['config']): void {
    this.db.prepare('UPDATE channels SET name = ?, config = ? WHERE id = ?').run(config.name, JSON.stringify(config), id);
  }
  removeChannel(id: number): boolean {
    return this.db.prepare('DELETE FROM channels WHERE id = ?').run(id).changes > 0;
  }
  channelSource(id: number): string | undefined {
    return (this.db.prepare('SELECT source FROM channels WHERE id = ?').get(id) as { source: string } | undefined)?.source;
  }
  replaceConfigChannels(configs: NotificationChannel['config'][]): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM channels WHERE source = 'config'").run();
      for (const c of configs) this.addChannel(c, 'config');
    })();
  }
  recordDelivery(channelId: number, alertIds: number[], ok: boolean, attempts: number, error: string | null, at = Date.now()): void {
    this.db
      .prepare('INSERT INTO notifications (channel_id, at, alert_ids, ok, attempts, error) VALUES (?, ?, ?, ?, ?, ?)')
      .run(channelId, at, JSON.stringify(alertIds), ok ? 1 : 0, attempts, error);
    if (ok) this.db.prepare('UPDATE channels SET last_sent_at = ?, last_error = NULL WHERE id = ?').run(at, channelId);
    else this.db.prepare('UPDATE channels SET last_error = ? WHERE id = ?').run(error, channelId);
  }
  /** Notes a failed attempt on the channel (the delivery is recorded once its retries are over). */
  channelFailed(channelId: number, error: string): void {
    this.db.prepare('UPDATE channels SET last_error = ? WHERE id = ?').run(error, channelId);
  }
  deliveries(limit = 100): { channelId: number; at: number; alertIds: number[]; ok: boolean; attempts: number; error: string | null }[] {
    return (
      this.db.prepare('SELECT * FROM notifications ORDER BY id DESC LIMIT ?').all(limit) as {
        channel_id: number;
        at: number;
        alert_ids: string;
        ok: number;
        attempts: number;
        error: string | null;
      }[]
    ).map((r) => ({
      channelId: r.channel_id,
      at: r.at,
      alertIds: JSON.parse(r.alert_ids),
      ok: r.ok === 1,
      attempts: r.attempts,
      error: r.error,
    }));
  }

  // Silences

  silences(): Silence[] {
    const rows = this.db.prepare('SELECT * FROM silences ORDER BY id').all() as {
      id: number;
      scope: string;
      rule_id: number | null;
      until: number | null;
      schedule: string | null;
      comment: string | null;
      created_by: string;
      created_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      scope: JSON.parse(r.scope),
      ruleId: r.rule_id,
      until: r.until,
      schedule: r.schedule ? JSON.parse(r.schedule) : null,
      comment: r.comment,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }
  addSilence(input: SilenceInput & { scope: Silence['scope'] }, by: string, now = Date.now()): Silence {
    const until = input.until ?? (input.for !== undefined ? now + durationMs(input.for) : null);
    const id = Number(
      this.db
        .prepare('INSERT INTO silences (scope, rule_id, until, schedule, comment, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(
          JSON.stringify(input.scope),
          input.ruleId ?? null,
          until,
          input.schedule ? JSON.stringify(input.schedule) : null,
          input.comment ?? null,
          by,
          now,
        ).lastInsertRowid,
    );
    return this.silences().find((s) => s.id === id) as Silence;
  }
  removeSilence(id: number): boolean {
    return this.db.prepare('DELETE FROM silences WHERE id = ?').run(id).changes > 0;
  }
}
