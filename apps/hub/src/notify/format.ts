import type { Alert } from '@vigil/schema';
import type { NotificationKind } from '../alert/engine.ts';

export interface AlertEvent {
  alert: Alert;
  kind: NotificationKind;
}

const VERB: Record<NotificationKind, string> = {
  firing: 'FIRING',
  escalated: 'CRITICAL NOW',
  repeat: 'STILL FIRING',
  resolved: 'RESOLVED',
};

/** One line per alert: what, where, how much. */
export function line(e: AlertEvent): string {
  const a = e.alert;
  return `[${VERB[e.kind]}] ${a.severity.toUpperCase()} ${a.ruleName}: ${a.message}`;
}

/** A subject for a group of events: how many fire and resolve, and the first of them. */
export function subject(events: readonly AlertEvent[]): string {
  const firing = events.filter((e) => e.kind !== 'resolved').length;
  const resolved = events.length - firing;
  const counts = [firing ? `${firing} firing` : '', resolved ? `${resolved} resolved` : ''].filter(Boolean).join(', ');
  const first = events[0]?.alert;
  return `[Vigil] ${counts}: ${first?.ruleName} on ${first?.hostId}${events.length > 1 ? ` and ${events.length - 1} more` : ''}`;
}

/** The text of a group: the subject, then one line per event, then where to look. */
export function text(events: readonly AlertEvent[], hubUrl: string): string {
  return [subject(events), '', ...events.map(line), '', `Open ${hubUrl}/alerts`].join('\n');
}

/** The JSON body of a webhook. */
export function payload(events: readonly AlertEvent[], hubUrl: string) {
  const kinds = new Set(events.map((e) => (e.kind === 'resolved' ? 'resolved' : 'firing')));
  return {
    version: 1,
    source: 'vigil',
    hub: hubUrl,
    status: kinds.size > 1 ? 'mixed' : [...kinds][0],
    title: subject(events),
    alerts: events.map(({ alert: a, kind }) => ({
      id: a.id,
      kind,
      state: a.state,
      severity: a.severity,
      rule: a.ruleName,
      host: a.hostId,
      subject: a.subject,
      value: a.value,
      threshold: a.threshold,
      message: a.message,
      startedAt: new Date(a.startedAt).toISOString(),
      firedAt: a.firedAt ? new Date(a.firedAt).toISOString() : null,
      resolvedAt: a.resolvedAt ? new Date(a.resolvedAt).toISOString() : null,
      acknowledgedBy: a.acknowledgedBy,
      url: `${hubUrl}/alerts/${a.id}`,
    })),
  };
}
