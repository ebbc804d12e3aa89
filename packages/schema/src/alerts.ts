import * as z from 'zod';

/** "30s", "5m", "2h", "1d" or milliseconds. */
export const Duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration like 30s, 5m, 2h or 1d'),
]);
export type Duration = z.infer<typeof Duration>;

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A Duration in milliseconds. */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(d) as RegExpExecArray;
  return Number(m[1]) * (UNIT[m[2] as string] as number);
}

export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Comparison = z.enum(['>', '>=', '<', '<=', '==', '!=']);
export type Comparison = z.infer<typeof Comparison>;

/** Which hosts a rule or a silence covers: all (the default), those with a tag, or one host. */
export const Scope = z.strictObject({
  host: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
});
export type Scope = z.infer<typeof Scope>;

/**
 * A rule. `kind` says what is measured:
 * - threshold: the value of a metric (any series of the catalogue or a custom one), per series;
 * - rate: the per-second rate of a counter metric;
 * - count: shorthand for counting things: zombie processes, or connections in a TCP state;
 * - offline: the host stopped reporting;
 * - process: a named process is missing, or above a CPU % or memory (MB) level.
 * Warning and critical are thresholds for `op`; `clear` (hysteresis) is where a firing alert resolves
 * (default: back across the warning threshold). `for` is how long the condition must hold before firing.
 */
export const AlertRuleInput = z
  .strictObject({
    name: z.string().min(1).max(120),
    kind: z.enum(['threshold', 'rate', 'count', 'offline', 'process']).default('threshold'),
    metric: z.string().min(1).max(200).optional(),
    /** Label values a series must have (e.g. {"mountpoint": "/"}); "" asks for the label to be absent ({"cpu": ""}: the whole CPU). */
    labels: z.record(z.string(), z.string()).optional(),
    /** For kind count: zombies, or connections (with `state`). */
    count: z.enum(['zombies', 'connections']).optional(),
    state: z.string().min(1).max(20).optional(),
    /** For kind process: the process name (exact, or /regex/), and what to check. */
    process: z.string().min(1).max(200).optional(),
    check: z.enum(['missing', 'cpu', 'memory']).optional(),
    op: Comparison.default('>'),
    warning: z.number().optional(),
    critical: z.number().optional(),
    clear: z.number().optional(),
    for: Duration.default(0),
    scope: Scope.default({}),
    /** Channel names to notify; every channel when absent. */
    channels: z.array(z.string().min(1)).optional(),
    enabled: z.boolean().default(true),
    description: z.string().max(1000).optional(),
  })
  .superRefine((r, ctx) => {
    const need = (field: string, why: string) => ctx.addIssue({ code: 'custom', path: [field], message: why });
    if ((r.kind === 'threshold' || r.kind === 'rate') && !r.metric) need('metric', `is required for a ${r.kind} rule`);
    if (r.kind === 'count' && !r.count) need('count', 'is required for a count rule (zombies or connections)');
    if (r.kind === 'process' && !r.process) need('process', 'is required for a process rule');
    if (r.kind === 'process' && !r.check) need('check', 'is required for a process rule (missing, cpu or memory)');
    const needsThreshold = r.kind !== 'offline' && !(r.kind === 'process' && r.check === 'missing');
    if (needsThreshold && r.warning === undefined && r.critical === undefined)
      need('warning', 'give a warning or a critical threshold (or both)');
  });
export type AlertRuleInput = z.input<typeof AlertRuleInput>;

export const AlertRule = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['threshold', 'rate', 'count', 'offline', 'process']),
  metric: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  count: z.enum(['zombies', 'connections']).optional(),
  state: z.string().optional(),
  process: z.string().optional(),
  check: z.enum(['missing', 'cpu', 'memory']).optional(),
  op: Comparison,
  warning: z.number().optional(),
  critical: z.number().optional(),
  clear: z.number().optional(),
  for: Duration,
  scope: Scope,
  channels: z.array(z.string()).optional(),
  enabled: z.boolean(),
  description: z.string().optional(),
  /** Where the rule came from: the API, the defaults, or vigil.yaml (read-only there). */
  source: z.enum(['api', 'default', 'config']),
});
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertState = z.enum(['pending', 'firing', 'resolved']);
export type AlertState = z.infer<typeof AlertState>;

/** One alert: a rule's condition on one host (and one series of it). */
export const Alert = z.object({
  id: z.number().int(),
  ruleId: z.number().int(),
  ruleName: z.string(),
  hostId: z.string(),
  /** The series or process the alert is about, e.g. `disk_used_percent{mountpoint="/"}`. */
  subject: z.string(),
  state: AlertState,
  severity: Severity,
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  message: z.string(),
  startedAt: z.number(),
  firedAt: z.number().nullable(),
  resolvedAt: z.number().nullable(),
  /** How it resolved: the condition cleared, someone resolved it, or the rule was removed. */
  resolvedBy: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.number().nullable(),
  comment: z.string().nullable(),
  silenced: z.boolean(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertTransition = z.object({
  at: z.number(),
  from: z.string(),
  to: z.string(),
  severity: Severity,
  value: z.number().nullable(),
});
export type AlertTransition = z.infer<typeof AlertTransition>;

const ChannelBase = {
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only'),
  enabled: z.boolean().default(true),
};

export const LogChannel = z.strictObject({ type: z.literal('log'), ...ChannelBase, path: z.string().min(1).optional() });
export const WebhookChannel = z.strictObject({
  type: z.literal('webhook'),
  ...ChannelBase,
  url: z.url({ protocol: /^https?$/ }),
  /** Signs each body with HMAC-SHA256 in the X-Vigil-Signature header. */
  secret: z.string().min(8).optional(),
  /** Sends {"text": ...} as Slack and Mattermost incoming webhooks expect. */
  slack: z.boolean().default(false),
  headers: z.record(z.string(), z.string()).optional(),
});
export const EmailChannel = z.strictObject({
  type: z.literal('email'),
  ...ChannelBase,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  /** Refuse to send without TLS (STARTTLS required). */
  requireTls: z.boolean().default(false),
  username: z.string().optional(),
  password: z.string().optional(),
  from: z.string().min(3),
  to: z.array(z.string().min(3)).min(1),
  /** Accept a self-signed certificate (a lab SMTP server). */
  allowSelfSigned: z.boolean().default(false),
});
export const NotificationChannelInput = z.discriminatedUnion('type', [LogChannel, WebhookChannel, EmailChannel]);
export type NotificationChannelInput = z.input<typeof NotificationChannelInput>;
export type ChannelConfig = z.infer<typeof NotificationChannelInput>;

/** A notification channel (log file, webhook, email) as the API lists it. */
export const NotificationChannel = z.object({
  id: z.number().int(),
  config: NotificationChannelInput,
  /** Last delivery: when and whether it worked. */
  lastSentAt: z.number().nullable(),
  lastError: z.string().nullable(),
});
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** When a maintenance window repeats: days of the week (0 = Sunday) and a time of day, local to the hub. */
export const WindowSchedule = z.strictObject({
  days: z.array(z.number().int().min(0).max(6)).min(1).default([0, 1, 2, 3, 4, 5, 6]),
  start: z.string().regex(/^\d\d:\d\d$/, 'HH:MM'),
  end: z.string().regex(/^\d\d:\d\d$/, 'HH:MM'),
});
export type WindowSchedule = z.infer<typeof WindowSchedule>;

/** Notifications of matching alerts are held back: until a time, or during a repeating maintenance window. */
export const SilenceInput = z
  .strictObject({
    scope: Scope.default({}),
    ruleId: z.number().int().optional(),
    /** An end: a duration from now, or a time (Unix ms). */
    for: Duration.optional(),
    until: z.number().int().optional(),
    schedule: WindowSchedule.optional(),
    comment: z.string().max(1000).optional(),
  })
  .refine((s) => s.for !== undefined || s.until !== undefined || s.schedule !== undefined, {
    message: 'give for, until or a schedule',
    path: ['for'],
  });
export type SilenceInput = z.input<typeof SilenceInput>;

export const Silence = z.object({
  id: z.number().int(),
  scope: Scope,
  ruleId: z.number().int().nullable(),
  until: z.number().nullable(),
  schedule: WindowSchedule.nullable(),
  comment: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
});
export type Silence = z.infer<typeof Silence>;
