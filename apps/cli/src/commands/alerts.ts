import { styleText } from 'node:util';
import { Alert, AlertRule } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { hubJson, resolveHub } from '../hub-client.ts';
import { parseOptions } from '../usage.ts';

const Target = { hub: z.string().url().optional(), token: z.string().optional() };

const ListOptions = z.object({
  hours: z.coerce
    .number({ message: 'must be a number of hours' })
    .positive('must be positive')
    .max(24 * 366)
    .default(24),
  state: z.enum(['active', 'firing', 'pending', 'resolved']).optional(),
  host: z.string().min(1).optional(),
  json: z.boolean().optional(),
  ...Target,
});

const AlertId = z.coerce.number({ message: 'an alert id is a number' }).int('an alert id is a whole number').positive();

function withTarget(command: Command): Command {
  return command.option('--hub <url>', 'the hub (or $VIGIL_HUB)').option('--token <token>', 'an API token (or $VIGIL_TOKEN)');
}

/** Colours only on a terminal (styleText leaves them out when NO_COLOR is set or stdout is not a TTY). */
const paint = (format: Parameters<typeof styleText>[0], text: string) =>
  process.stdout.isTTY ? styleText(format, text, { stream: process.stdout }) : text;

function ago(ms: number | null): string {
  if (!ms) return '–';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 129_600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

function severity(a: Alert): string {
  const text = a.severity.padEnd(8);
  if (a.state === 'resolved') return paint('dim', text);
  return a.severity === 'critical' ? paint(['red', 'bold'], text) : a.severity === 'warning' ? paint('yellow', text) : text;
}

const value = (a: Alert) =>
  a.value === null ? '–' : `${Number.isInteger(a.value) ? a.value : a.value.toFixed(1)}${a.threshold === null ? '' : ` / ${a.threshold}`}`;

/** A table of alerts, newest first, for people; `--json` gives the API's objects. */
function printAlerts(alerts: Alert[]): void {
  if (alerts.length === 0) {
    console.log('no alerts');
    return;
  }
  const rows = alerts.map((a) => ({
    id: String(a.id),
    state: a.state + (a.acknowledgedBy ? ' (ack)' : '') + (a.silenced ? ' (silenced)' : ''),
    a,
    host: a.hostId,
    what: `${a.ruleName}: ${a.subject}`,
    value: value(a),
    when: a.state === 'resolved' ? `resolved ${ago(a.resolvedAt)}` : ago(a.firedAt ?? a.startedAt),
  }));
  const width = (key: 'id' | 'state' | 'host' | 'value' | 'when') => Math.max(key.length, ...rows.map((r) => r[key].length));
  const w = { id: width('id'), state: width('state'), host: width('host'), value: width('value'), when: width('when') };
  console.log(
    paint(
      'bold',
      `${'ID'.padStart(w.id)}  ${'SEVERITY'}  ${'STATE'.padEnd(w.state)}  ${'HOST'.padEnd(w.host)}  ${'VALUE'.padStart(w.value)}  ${'WHEN'.padEnd(w.when)}  ALERT`,
    ),
  );
  for (const r of rows)
    console.log(
      `${r.id.padStart(w.id)}  ${severity(r.a)}  ${r.state.padEnd(w.state)}  ${r.host.padEnd(w.host)}  ${r.value.padStart(w.value)}  ${r.when.padEnd(w.when)}  ${r.what}`,
    );
}

/** `vigil alerts [--hours 24] [--state active]`, `vigil alerts ack ID`, `vigil alerts resolve ID`, `vigil alerts rules`. */
export function alertsCommand(): Command {
  const alerts = withTarget(
    new Command('alerts')
      .description('List alerts of the last hours (seed 001: `alerts --hours 24`); ack, resolve, and list rules.')
      .option('--hours <hours>', 'how far back', '24')
      .option('--state <state>', 'active (pending and firing, however old), firing, pending or resolved')
      .option('--host <id>', 'only this host')
      .option('--json', 'print the API objects as JSON'),
  ).action(async (raw: Record<string, unknown>) => {
    const o = parseOptions(ListOptions, raw);
    const { hub, token } = resolveHub(o);
    const query = new URLSearchParams({ hours: String(o.hours) });
    if (o.state) query.set('state', o.state);
    if (o.host) query.set('host', o.host);
    const list = await hubJson(hub, token, `/api/v1/alerts?${query}`, z.array(Alert));
    if (o.json) console.log(JSON.stringify(list, null, 2));
    else printAlerts(list);
  });

  withTarget(alerts.command('ack <id>').description('Acknowledge an alert: no more repeat notifications (operator)'))
    .option('--comment <text>', 'why, or what is being done')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const alertId = parseOptions(AlertId, id);
      const o = parseOptions(z.object({ comment: z.string().max(2000).optional(), ...Target }), raw);
      const { hub, token } = resolveHub(o);
      const acked = await hubJson(hub, token, `/api/v1/alerts/${alertId}/ack`, Alert, {
        method: 'POST',
        json: o.comment ? { comment: o.comment } : {},
      });
      console.log(`acknowledged alert ${acked.id} (${acked.ruleName} on ${acked.hostId}) as ${acked.acknowledgedBy}`);
    });

  withTarget(
    alerts.command('resolve <id>').description('Resolve an alert by hand; it stays quiet until its condition clears (operator)'),
  ).action(async (id: string, raw: Record<string, unknown>) => {
    const alertId = parseOptions(AlertId, id);
    const { hub, token } = resolveHub(parseOptions(z.object(Target), raw));
    const resolved = await hubJson(hub, token, `/api/v1/alerts/${alertId}/resolve`, Alert, { method: 'POST', json: {} });
    console.log(`resolved alert ${resolved.id} (${resolved.ruleName} on ${resolved.hostId})`);
  });

  withTarget(alerts.command('rules').description('List the alert rules'))
    .option('--json', 'as JSON')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(z.object({ json: z.boolean().optional(), ...Target }), raw);
      const { hub, token } = resolveHub(o);
      const rules = await hubJson(hub, token, '/api/v1/alert-rules', z.array(AlertRule));
      if (o.json) {
        console.log(JSON.stringify(rules, null, 2));
        return;
      }
      for (const r of rules) {
        const what =
          r.kind === 'threshold' || r.kind === 'rate' ? (r.metric ?? '') : r.kind === 'process' ? `process ${r.process}` : r.kind;
        const levels = [
          r.warning !== undefined ? `warn ${r.op} ${r.warning}` : '',
          r.critical !== undefined ? `crit ${r.op} ${r.critical}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        const state = r.enabled ? '' : paint('dim', ' (disabled)');
        console.log(`${String(r.id).padStart(3)}  ${r.name}${state}: ${what}${levels ? ` (${levels})` : ''} for ${r.for}`);
      }
    });
  return alerts;
}
