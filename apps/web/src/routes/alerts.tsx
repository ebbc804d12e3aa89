import type { Alert, AlertRule, AlertTransition, NotificationChannel, Silence } from '@vigil/schema';
import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { api } from '../api/client.ts';
import { Dialog, Drawer } from '../components/ui/dialog.tsx';
import { ago, bytes, time } from '../format.ts';
import { useSession } from '../stores/session.tsx';

const TABS = [
  ['active', 'Active'],
  ['history', 'History'],
  ['rules', 'Rules'],
  ['channels', 'Channels'],
  ['silences', 'Silences'],
] as const;

/** Fetches a JSON list, again on `reload()` and every `everyMs` when given. */
function useApi<T>(path: string | null, everyMs = 0): { data: T | null; error: string; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(() => {
    if (!path) return;
    api<T>('GET', path).then(
      (r) => {
        setData(r);
        setError('');
      },
      (e: Error) => setError(e.message),
    );
  }, [path]);
  useEffect(() => {
    reload();
    if (!everyMs) return;
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
  return { data, error, reload };
}

/** Runs an API call and reports its outcome in a status line. */
function useAction(after: () => void): [string, (work: () => Promise<unknown>, done: string) => Promise<boolean>] {
  const [message, setMessage] = useState('');
  const run = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setMessage(done);
      after();
      return true;
    } catch (e) {
      setMessage((e as Error).message);
      return false;
    }
  };
  return [message, run];
}

export function SeverityBadge({ severity, state }: { severity: string; state?: string }) {
  return <span className={`badge ${severity} ${state ?? ''}`}>{state === 'pending' ? `pending ${severity}` : severity}</span>;
}

/** Alerts: what fires now, what fired, and the rules, channels and silences behind them. */
export function Alerts({ tab }: { tab: string }) {
  const current = TABS.some(([key]) => key === tab) ? tab : 'active';
  return (
    <div className="alerts-page">
      <h1>Alerts</h1>
      <div className="tabs" role="tablist" aria-label="Alerts">
        {TABS.map(([key, label]) => (
          <Link key={key} href={`/alerts/${key}`} role="tab" aria-selected={current === key} className={current === key ? 'active' : ''}>
            {label}
          </Link>
        ))}
      </div>
      {current === 'active' && <ActiveAlerts />}
      {current === 'history' && <History />}
      {current === 'rules' && <Rules />}
      {current === 'channels' && <Channels />}
      {current === 'silences' && <Silences />}
    </div>
  );
}

/** A value as people read it: sizes of *_bytes metrics in binary units, other numbers with at most one decimal. */
function valueText(a: Alert): string {
  const isBytes = /_bytes(\{|$)/.test(a.subject);
  const show = (v: number | null) =>
    v === null ? '–' : isBytes && Math.abs(v) >= 1024 ? bytes(v) : Number.isInteger(v) ? String(v) : v.toFixed(1);
  return a.threshold === null ? show(a.value) : `${show(a.value)} / ${show(a.threshold)}`;
}

/** The alert table, shared by the active list and the history. */
function AlertTable({ alerts, onOpen, actions }: { alerts: Alert[]; onOpen: (a: Alert) => void; actions?: (a: Alert) => ReactNode }) {
  if (alerts.length === 0) return <p className="muted">None.</p>;
  return (
    <div className="table-scroll">
      <table className="table alert-table">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Host</th>
            <th>Alert</th>
            <th className="right">Value / threshold</th>
            <th>Since</th>
            <th>State</th>
            {actions && <th />}
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id} data-alert={a.id}>
              <td>
                <SeverityBadge severity={a.severity} state={a.state === 'pending' ? 'pending' : undefined} />
              </td>
              <td>
                <Link href={`/hosts/${encodeURIComponent(a.hostId)}`}>{a.hostId}</Link>
              </td>
              <td>
                <button type="button" className="link" onClick={() => onOpen(a)} title="Details and transitions">
                  {a.ruleName}
                </button>
                <div className="muted small">{a.subject}</div>
              </td>
              <td className="right num">{valueText(a)}</td>
              <td className="small" title={time(a.firedAt ?? a.startedAt, true)}>
                {ago(a.firedAt ?? a.startedAt)}
              </td>
              <td className="small">
                {a.state === 'resolved' ? `resolved ${ago(a.resolvedAt)}` : a.state}
                {a.acknowledgedBy && <div className="muted">ack by {a.acknowledgedBy}</div>}
                {a.silenced && <div className="muted">silenced</div>}
              </td>
              {actions && <td className="right nowrap">{actions(a)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One alert: its message, acknowledgement and every transition with its value. */
function AlertDetails({ alert, onClose }: { alert: Alert | null; onClose: () => void }) {
  const { data } = useApi<Alert & { transitions: AlertTransition[] }>(alert ? `/api/v1/alerts/${alert.id}` : null);
  const a = data && alert && data.id === alert.id ? data : alert;
  return (
    <Drawer open={!!alert} title={a ? `${a.ruleName} on ${a.hostId}` : ''} onClose={onClose}>
      {a && (
        <>
          <p>{a.message}</p>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <SeverityBadge severity={a.severity} /> {a.state}
            </dd>
            <dt>Started</dt>
            <dd>{time(a.startedAt, true)}</dd>
            <dt>Fired</dt>
            <dd>{time(a.firedAt, true)}</dd>
            <dt>Resolved</dt>
            <dd>{a.resolvedAt ? `${time(a.resolvedAt, true)} (${a.resolvedBy})` : '–'}</dd>
            <dt>Acknowledged</dt>
            <dd>
              {a.acknowledgedBy ? `${a.acknowledgedBy}, ${time(a.acknowledgedAt, true)}` : '–'}
              {a.comment && <div className="muted">“{a.comment}”</div>}
            </dd>
          </dl>
          <h3>Transitions</h3>
          <table className="table">
            <tbody>
              {(data?.transitions ?? []).map((t) => (
                <tr key={`${t.at}-${t.to}-${t.severity}`}>
                  <td className="small">{time(t.at, true)}</td>
                  <td>
                    {t.from} → {t.to}
                  </td>
                  <td>
                    <SeverityBadge severity={t.severity} />
                  </td>
                  <td className="right num">{t.value === null ? '–' : t.value.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Drawer>
  );
}

function ActiveAlerts() {
  const { me } = useSession();
  const canAct = me?.role === 'operator' || me?.role === 'admin';
  const search = useSearch();
  const hostFilter = new URLSearchParams(search).get('host') ?? '';
  const { data, error, reload } = useApi<Alert[]>(
    `/api/v1/alerts?state=active${hostFilter ? `&host=${encodeURIComponent(hostFilter)}` : ''}`,
    3000,
  );
  const [open, setOpen] = useState<Alert | null>(null);
  const [acking, setAcking] = useState<Alert | null>(null);
  const [silencing, setSilencing] = useState<Alert | null>(null);
  const [message, run] = useAction(reload);
  const alerts = useMemo(
    () =>
      [...(data ?? [])].sort(
        (a, b) =>
          (a.state === 'firing' ? 0 : 1) - (b.state === 'firing' ? 0 : 1) ||
          (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1) ||
          b.startedAt - a.startedAt,
      ),
    [data],
  );
  const firing = alerts.filter((a) => a.state === 'firing');
  return (
    <section className="card">
      <div className="toolbar">
        <h2>
          {firing.length === 0 ? 'Nothing is firing' : `${firing.length} firing`}
          {alerts.length > firing.length && <span className="muted small"> · {alerts.length - firing.length} pending</span>}
        </h2>
        {hostFilter && (
          <span className="small">
            on {hostFilter} · <Link href="/alerts/active">all hosts</Link>
          </span>
        )}
      </div>
      <AlertTable
        alerts={alerts}
        onOpen={setOpen}
        actions={
          canAct
            ? (a) => (
                <>
                  {!a.acknowledgedBy && a.state === 'firing' && (
                    <button type="button" className="link" onClick={() => setAcking(a)}>
                      ack
                    </button>
                  )}{' '}
                  <button type="button" className="link" onClick={() => setSilencing(a)}>
                    silence
                  </button>{' '}
                  <button
                    type="button"
                    className="link danger"
                    onClick={() =>
                      confirm(`Resolve “${a.ruleName}” on ${a.hostId} by hand? It stays quiet until its condition clears.`) &&
                      void run(() => api('POST', `/api/v1/alerts/${a.id}/resolve`), `resolved ${a.ruleName} on ${a.hostId}`)
                    }
                  >
                    resolve
                  </button>
                </>
              )
            : undefined
        }
      />
      <p className="small" role="status">
        {error || message}
      </p>
      <AlertDetails alert={open} onClose={() => setOpen(null)} />
      <AckDialog
        alert={acking}
        onClose={() => setAcking(null)}
        onAck={(comment) =>
          acking &&
          void run(
            () => api('POST', `/api/v1/alerts/${acking.id}/ack`, comment ? { comment } : {}),
            `acknowledged ${acking.ruleName}`,
          ).then(() => setAcking(null))
        }
      />
      <SilenceDialog
        alert={silencing}
        onClose={() => setSilencing(null)}
        onSilence={(body) =>
          void run(() => api('POST', '/api/v1/silences', body), 'silenced: notifications are held back').then(() => setSilencing(null))
        }
      />
    </section>
  );
}

function AckDialog({ alert, onClose, onAck }: { alert: Alert | null; onClose: () => void; onAck: (comment: string) => void }) {
  const [comment, setComment] = useState('');
  return (
    <Dialog
      open={!!alert}
      title={`Acknowledge ${alert?.ruleName ?? ''}`}
      onClose={() => {
        setComment('');
        onClose();
      }}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => onAck(comment)}>
            Acknowledge
          </button>
        </>
      }
    >
      <p>{alert?.message}. Acknowledging stops repeat notifications; the alert still resolves by itself when its condition clears.</p>
      <label className="field">
        Comment (optional)
        <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={3} maxLength={2000} />
      </label>
    </Dialog>
  );
}

function SilenceDialog({ alert, onClose, onSilence }: { alert: Alert | null; onClose: () => void; onSilence: (body: object) => void }) {
  const [what, setWhat] = useState<'alert' | 'host'>('alert');
  const [hours, setHours] = useState('1h');
  const [comment, setComment] = useState('');
  const body = alert && {
    scope: { host: alert.hostId },
    ...(what === 'alert' ? { ruleId: alert.ruleId } : {}),
    for: hours,
    ...(comment ? { comment } : {}),
  };
  return (
    <Dialog
      open={!!alert}
      title="Silence notifications"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => body && onSilence(body)}>
            Silence
          </button>
        </>
      }
    >
      <p className="muted small">Alerts still open and close; only their notifications are held back.</p>
      <fieldset className="choices">
        <label>
          <input type="radio" checked={what === 'alert'} onChange={() => setWhat('alert')} /> “{alert?.ruleName}” on {alert?.hostId}
        </label>
        <label>
          <input type="radio" checked={what === 'host'} onChange={() => setWhat('host')} /> every alert of {alert?.hostId}
        </label>
      </fieldset>
      <label className="field">
        For
        <select value={hours} onChange={(e) => setHours(e.target.value)}>
          <option value="30m">30 minutes</option>
          <option value="1h">1 hour</option>
          <option value="4h">4 hours</option>
          <option value="1d">1 day</option>
          <option value="7d">1 week</option>
        </select>
      </label>
      <label className="field">
        Comment (optional)
        <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={1000} />
      </label>
    </Dialog>
  );
}

interface Statistics {
  hours: number;
  total: number;
  firing: number;
  bySeverity: Record<string, number>;
  byRule: Record<string, number>;
  byHost: Record<string, number>;
}

const top = (counts: Record<string, number>, n = 5) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);

function History() {
  const [hours, setHours] = useState(24);
  const [state, setState] = useState('');
  const [host, setHost] = useState('');
  const query = `hours=${hours}${state ? `&state=${state}` : ''}${host ? `&host=${encodeURIComponent(host)}` : ''}`;
  const { data, error } = useApi<Alert[]>(`/api/v1/alerts?${query}`, 15_000);
  const { data: stats } = useApi<Statistics>(`/api/v1/alerts/statistics?hours=${hours}`, 15_000);
  const [open, setOpen] = useState<Alert | null>(null);
  return (
    <>
      {stats && (
        <div className="stats alert-stats">
          <div className="card stat">
            <div className="muted">Fired, last {hours < 48 ? `${hours} h` : `${hours / 24} d`}</div>
            <div className="big">{stats.total}</div>
            <div className="muted small">
              {stats.bySeverity.critical ?? 0} critical · {stats.bySeverity.warning ?? 0} warning
            </div>
          </div>
          <div className="card stat">
            <div className="muted">Most frequent</div>
            {top(stats.byRule, 3).map(([name, n]) => (
              <div key={name} className="small">
                {name} <span className="muted">× {n}</span>
              </div>
            ))}
          </div>
          <div className="card stat">
            <div className="muted">Noisiest hosts</div>
            {top(stats.byHost, 3).map(([name, n]) => (
              <div key={name} className="small">
                {name} <span className="muted">× {n}</span>
              </div>
            ))}
          </div>
        </div>
      )}
      <section className="card">
        <fieldset className="toolbar">
          <legend className="visually-hidden">Filter</legend>
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))} aria-label="Period">
            <option value={1}>last hour</option>
            <option value={6}>last 6 hours</option>
            <option value={24}>last 24 hours</option>
            <option value={168}>last 7 days</option>
            <option value={720}>last 30 days</option>
          </select>
          <select value={state} onChange={(e) => setState(e.target.value)} aria-label="State">
            <option value="">any state</option>
            <option value="firing">firing</option>
            <option value="pending">pending</option>
            <option value="resolved">resolved</option>
          </select>
          <input type="search" placeholder="host id" value={host} onChange={(e) => setHost(e.target.value.trim())} aria-label="Host" />
        </fieldset>
        <AlertTable alerts={data ?? []} onOpen={setOpen} />
        <p className="small error">{error}</p>
      </section>
      <AlertDetails alert={open} onClose={() => setOpen(null)} />
    </>
  );
}

/** What a rule watches, in words. */
function ruleWhat(r: AlertRule): string {
  const labels =
    r.labels && Object.keys(r.labels).length > 0
      ? `{${Object.entries(r.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(',')}}`
      : '';
  switch (r.kind) {
    case 'threshold':
      return `${r.metric}${labels}`;
    case 'rate':
      return `rate(${r.metric}${labels})`;
    case 'count':
      return r.count === 'zombies' ? 'zombie processes' : `connections ${r.state ?? 'ESTABLISHED'}`;
    case 'offline':
      return 'host offline';
    case 'process':
      return r.check === 'missing' ? `process ${r.process} missing` : `process ${r.process} ${r.check === 'cpu' ? 'CPU %' : 'memory MB'}`;
  }
}

function ruleLevels(r: AlertRule): string {
  if (r.kind === 'offline' || (r.kind === 'process' && r.check === 'missing')) return '–';
  const parts = [];
  if (r.warning !== undefined) parts.push(`warn ${r.op} ${r.warning}`);
  if (r.critical !== undefined) parts.push(`crit ${r.op} ${r.critical}`);
  if (r.clear !== undefined) parts.push(`clear ${r.clear}`);
  return parts.join(' · ');
}

/** A rule as the API takes it back (PUT): without its id and source. */
function ruleInput(r: AlertRule): Record<string, unknown> {
  const { id: _id, source: _source, ...input } = r;
  return input;
}

function Rules() {
  const { me } = useSession();
  const admin = me?.role === 'admin';
  const { data, error, reload } = useApi<AlertRule[]>('/api/v1/alert-rules');
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [message, run] = useAction(reload);
  return (
    <section className="card">
      <div className="toolbar">
        <h2>Rules</h2>
        <span className="spacer" />
        {admin && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New rule
          </button>
        )}
      </div>
      <p className="muted small">
        A rule opens an alert per host (and per series) when its condition holds for its duration; it resolves when the value is back past
        the clear level. Rules from vigil.yaml are changed there.
      </p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Watches</th>
              <th>Levels</th>
              <th>For</th>
              <th>Hosts</th>
              <th>Notifies</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(data ?? []).map((r) => (
              <tr key={r.id} className={r.enabled ? '' : 'muted'} data-rule={r.name}>
                <td>
                  {r.name}
                  {r.source === 'config' && <span className="muted small"> (vigil.yaml)</span>}
                </td>
                <td className="mono small">{ruleWhat(r)}</td>
                <td className="small">{ruleLevels(r)}</td>
                <td className="small">{String(r.for) === '0' ? 'at once' : r.for}</td>
                <td className="small">{r.scope.host ?? (r.scope.tag ? `#${r.scope.tag}` : 'all')}</td>
                <td className="small">{r.channels?.join(', ') ?? 'every channel'}</td>
                <td className="right nowrap">
                  {admin && r.source !== 'config' && (
                    <>
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          void run(
                            () => api('PUT', `/api/v1/alert-rules/${r.id}`, { ...ruleInput(r), enabled: !r.enabled }),
                            `${r.name} ${r.enabled ? 'disabled' : 'enabled'}`,
                          )
                        }
                      >
                        {r.enabled ? 'disable' : 'enable'}
                      </button>{' '}
                      <button type="button" className="link" onClick={() => setEditing(r)}>
                        edit
                      </button>{' '}
                      <button
                        type="button"
                        className="link danger"
                        onClick={() =>
                          confirm(`Delete the rule “${r.name}”? Its open alerts resolve.`) &&
                          void run(() => api('DELETE', `/api/v1/alert-rules/${r.id}`), `deleted ${r.name}`)
                        }
                      >
                        delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small" role="status">
        {error || message}
      </p>
      {editing && (
        <RuleEditor
          rule={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            void run(async () => {}, `saved ${name}`);
          }}
        />
      )}
    </section>
  );
}

const numberOrUndefined = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === '' ? undefined : Number(v));
const textOrUndefined = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === '' ? undefined : String(v).trim());

/** Parses `key=value, key=value` into labels. */
function parseLabels(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, ...v] = part.split('=');
    if (k?.trim()) labels[k.trim()] = v.join('=').trim().replace(/^"|"$/g, '');
  }
  return labels;
}

function RuleEditor({ rule, onClose, onSaved }: { rule: AlertRule | null; onClose: () => void; onSaved: (name: string) => void }) {
  const [kind, setKind] = useState<AlertRule['kind']>(rule?.kind ?? 'threshold');
  const [check, setCheck] = useState(rule?.check ?? 'cpu');
  const [error, setError] = useState('');
  const { data: metrics } = useApi<{ name: string; help: string; unit: string | null; kind: string }[]>('/api/v1/metrics');
  const { data: channels } = useApi<NotificationChannel[]>('/api/v1/channels');
  const [chosen, setChosen] = useState<string[] | null>(rule?.channels ?? null);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body: Record<string, unknown> = {
      name: textOrUndefined(f.get('name')),
      kind,
      op: f.get('op') ?? '>',
      // "0" (at once) is the one duration without a unit.
      for: (textOrUndefined(f.get('for')) ?? '0').replace(/^0+$/, '') || 0,
      scope: { host: textOrUndefined(f.get('host')), tag: textOrUndefined(f.get('tag')) },
      enabled: rule?.enabled ?? true,
      description: textOrUndefined(f.get('description')),
      ...(chosen ? { channels: chosen } : {}),
    };
    if (kind === 'threshold' || kind === 'rate') {
      body.metric = textOrUndefined(f.get('metric'));
      body.labels = parseLabels(textOrUndefined(f.get('labels')));
    }
    if (kind === 'count') {
      body.count = f.get('count');
      if (body.count === 'connections') body.state = textOrUndefined(f.get('state'));
    }
    if (kind === 'process') {
      body.process = textOrUndefined(f.get('process'));
      body.check = check;
    }
    if (kind !== 'offline' && !(kind === 'process' && check === 'missing')) {
      body.warning = numberOrUndefined(f.get('warning'));
      body.critical = numberOrUndefined(f.get('critical'));
      body.clear = numberOrUndefined(f.get('clear'));
    }
    api<AlertRule>(rule ? 'PUT' : 'POST', rule ? `/api/v1/alert-rules/${rule.id}` : '/api/v1/alert-rules', body).then(
      (saved) => onSaved(saved.name),
      (e: Error) => setError(e.message),
    );
  };
  const levels = kind !== 'offline' && !(kind === 'process' && check === 'missing');
  return (
    <Dialog
      open
      title={rule ? `Edit “${rule.name}”` : 'New alert rule'}
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="rule-form" className="primary">
            Save
          </button>
        </>
      }
    >
      <form id="rule-form" className="form-grid" onSubmit={submit} aria-label="Alert rule">
        <label className="field">
          Name
          <input name="name" required maxLength={120} defaultValue={rule?.name} />
        </label>
        <label className="field">
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as AlertRule['kind'])}>
            <option value="threshold">value of a metric</option>
            <option value="rate">rate of a counter (per second)</option>
            <option value="count">count (zombies, connections)</option>
            <option value="process">a process</option>
            <option value="offline">host offline</option>
          </select>
        </label>
        {(kind === 'threshold' || kind === 'rate') && (
          <>
            <label className="field wide">
              Metric
              <input name="metric" required list="metric-names" defaultValue={rule?.metric} placeholder="cpu_usage_percent" />
            </label>
            <datalist id="metric-names">
              {(metrics ?? [])
                .filter((m) => (kind === 'rate' ? m.kind === 'counter' : m.kind !== 'counter'))
                .map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.help}
                  </option>
                ))}
            </datalist>
            <label className="field wide">
              Only series with labels (optional)
              <input
                name="labels"
                placeholder='mountpoint="/"'
                defaultValue={
                  rule?.labels
                    ? Object.entries(rule.labels)
                        .map(([k, v]) => `${k}="${v}"`)
                        .join(', ')
                    : ''
                }
              />
            </label>
          </>
        )}
        {kind === 'count' && (
          <>
            <label className="field">
              Count
              <select name="count" defaultValue={rule?.count ?? 'zombies'}>
                <option value="zombies">zombie processes</option>
                <option value="connections">TCP connections in a state</option>
              </select>
            </label>
            <label className="field">
              State (connections)
              <input name="state" defaultValue={rule?.state ?? 'ESTABLISHED'} />
            </label>
          </>
        )}
        {kind === 'process' && (
          <>
            <label className="field">
              Process name (or /regex/)
              <input name="process" required defaultValue={rule?.process} placeholder="nginx" />
            </label>
            <label className="field">
              Alert when
              <select value={check} onChange={(e) => setCheck(e.target.value as typeof check)}>
                <option value="missing">no such process runs</option>
                <option value="cpu">its CPU % is</option>
                <option value="memory">its memory (MB) is</option>
              </select>
            </label>
          </>
        )}
        {levels && (
          <>
            <label className="field">
              Comparison
              <select name="op" defaultValue={rule?.op ?? '>'}>
                {['>', '>=', '<', '<=', '==', '!='].map((op) => (
                  <option key={op}>{op}</option>
                ))}
              </select>
            </label>
            <label className="field">
              Warning at
              <input name="warning" type="number" step="any" defaultValue={rule?.warning} />
            </label>
            <label className="field">
              Critical at
              <input name="critical" type="number" step="any" defaultValue={rule?.critical} />
            </label>
            <label className="field">
              Clears at (optional)
              <input name="clear" type="number" step="any" defaultValue={rule?.clear} placeholder="the warning level" />
            </label>
          </>
        )}
        <label className="field">
          For (holds at least)
          <input name="for" defaultValue={rule ? String(rule.for) : '5m'} pattern="\d+(\.\d+)?(ms|s|m|h|d)|0" placeholder="5m" />
        </label>
        <label className="field">
          Only host (optional)
          <input name="host" defaultValue={rule?.scope.host} placeholder="all hosts" />
        </label>
        <label className="field">
          Only hosts tagged (optional)
          <input name="tag" defaultValue={rule?.scope.tag} />
        </label>
        <fieldset className="field wide choices">
          <legend>Notify</legend>
          <label>
            <input type="checkbox" checked={chosen === null} onChange={(e) => setChosen(e.target.checked ? null : [])} /> every channel
          </label>
          {chosen !== null &&
            (channels ?? []).map((c) => (
              <label key={c.id}>
                <input
                  type="checkbox"
                  checked={chosen.includes(c.config.name)}
                  onChange={(e) => setChosen(e.target.checked ? [...chosen, c.config.name] : chosen.filter((n) => n !== c.config.name))}
                />{' '}
                {c.config.name} <span className="muted small">({c.config.type})</span>
              </label>
            ))}
        </fieldset>
        <label className="field wide">
          Description (optional)
          <input name="description" maxLength={1000} defaultValue={rule?.description} />
        </label>
      </form>
      <p className="error small" role="alert">
        {error}
      </p>
    </Dialog>
  );
}

function channelTarget(c: NotificationChannel): string {
  const cfg = c.config;
  if (cfg.type === 'webhook') return `${cfg.url}${cfg.slack ? ' (Slack body)' : ''}${cfg.secret ? ' · signed' : ''}`;
  if (cfg.type === 'email') return `${cfg.to.join(', ')} via ${cfg.host}:${cfg.port}`;
  return cfg.path ?? 'alerts.log in the data folder';
}

function Channels() {
  const { me } = useSession();
  const admin = me?.role === 'admin';
  const { data, error, reload } = useApi<NotificationChannel[]>(admin ? '/api/v1/channels' : null, 10_000);
  const [editing, setEditing] = useState<NotificationChannel | 'new' | null>(null);
  const [message, run] = useAction(reload);
  if (!admin) return <p className="muted">Channels are managed by admins.</p>;
  return (
    <section className="card">
      <div className="toolbar">
        <h2>Notification channels</h2>
        <span className="spacer" />
        <button type="button" className="primary" onClick={() => setEditing('new')}>
          New channel
        </button>
      </div>
      <p className="muted small">
        Notifications are grouped per window so a flapping metric cannot spam; long-firing alerts are repeated until acknowledged; a failing
        channel is retried and never holds up the others.
      </p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Sends to</th>
              <th>Last sent</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(data ?? []).map((c) => (
              <tr key={c.id} className={c.config.enabled ? '' : 'muted'} data-channel={c.config.name}>
                <td>{c.config.name}</td>
                <td>{c.config.type}</td>
                <td className="small break">{channelTarget(c)}</td>
                <td className="small">
                  {ago(c.lastSentAt)}
                  {c.lastError && <div className="error">{c.lastError}</div>}
                </td>
                <td className="right nowrap">
                  <button
                    type="button"
                    className="link"
                    onClick={() =>
                      void run(async () => {
                        const r = await api<{ ok: boolean; error: string | null }>('POST', `/api/v1/channels/${c.id}/test`);
                        if (!r.ok) throw new Error(`test to ${c.config.name} failed: ${r.error}`);
                      }, `test sent to ${c.config.name}`)
                    }
                  >
                    test
                  </button>{' '}
                  <button type="button" className="link" onClick={() => setEditing(c)}>
                    edit
                  </button>{' '}
                  <button
                    type="button"
                    className="link danger"
                    onClick={() =>
                      confirm(`Delete the channel “${c.config.name}”?`) &&
                      void run(() => api('DELETE', `/api/v1/channels/${c.id}`), `deleted ${c.config.name}`)
                    }
                  >
                    delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small" role="status">
        {error || message}
      </p>
      {editing && (
        <ChannelEditor
          channel={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            void run(async () => {}, `saved ${name}`);
          }}
        />
      )}
    </section>
  );
}

function ChannelEditor({
  channel,
  onClose,
  onSaved,
}: {
  channel: NotificationChannel | null;
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const cfg = (channel?.config ?? {}) as Record<string, unknown>;
  const [type, setType] = useState<'log' | 'webhook' | 'email'>(channel?.config.type ?? 'webhook');
  const [error, setError] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body: Record<string, unknown> = { type, name: textOrUndefined(f.get('name')), enabled: f.get('enabled') === 'on' };
    if (type === 'log') body.path = textOrUndefined(f.get('path'));
    if (type === 'webhook') {
      body.url = textOrUndefined(f.get('url'));
      body.secret = textOrUndefined(f.get('secret'));
      body.slack = f.get('slack') === 'on';
    }
    if (type === 'email') {
      Object.assign(body, {
        host: textOrUndefined(f.get('host')),
        port: numberOrUndefined(f.get('port')),
        secure: f.get('secure') === 'on',
        requireTls: f.get('requireTls') === 'on',
        username: textOrUndefined(f.get('username')),
        password: textOrUndefined(f.get('password')),
        from: textOrUndefined(f.get('from')),
        to: String(f.get('to') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        allowSelfSigned: f.get('allowSelfSigned') === 'on',
      });
    }
    api<NotificationChannel>(channel ? 'PUT' : 'POST', channel ? `/api/v1/channels/${channel.id}` : '/api/v1/channels', body).then(
      (saved) => onSaved(saved.config.name),
      (e: Error) => setError(e.message),
    );
  };
  const str = (key: string) => (cfg[key] === undefined ? undefined : String(cfg[key]));
  const box = (key: string, fallback = false) => (cfg[key] === undefined ? fallback : cfg[key] === true);
  return (
    <Dialog
      open
      title={channel ? `Edit “${channel.config.name}”` : 'New channel'}
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="channel-form" className="primary">
            Save
          </button>
        </>
      }
    >
      <form id="channel-form" className="form-grid" onSubmit={submit} aria-label="Notification channel">
        <label className="field">
          Type
          <select value={type} onChange={(e) => setType(e.target.value as typeof type)} disabled={!!channel}>
            <option value="webhook">webhook</option>
            <option value="email">email (SMTP)</option>
            <option value="log">log file</option>
          </select>
        </label>
        <label className="field">
          Name
          <input name="name" required pattern="[A-Za-z0-9._\-]+" defaultValue={str('name')} placeholder="ops" />
        </label>
        {type === 'log' && (
          <label className="field wide">
            File (optional)
            <input name="path" defaultValue={str('path')} placeholder="alerts.log in the data folder" />
          </label>
        )}
        {type === 'webhook' && (
          <>
            <label className="field wide">
              URL
              <input name="url" type="url" required defaultValue={str('url')} placeholder="https://hooks.example.com/…" />
            </label>
            <label className="field">
              Signing secret (optional)
              <input name="secret" type="password" minLength={8} defaultValue={str('secret')} autoComplete="off" />
            </label>
            <label className="check">
              <input name="slack" type="checkbox" defaultChecked={box('slack')} /> Slack / Mattermost body
            </label>
          </>
        )}
        {type === 'email' && (
          <>
            <label className="field">
              SMTP server
              <input name="host" required defaultValue={str('host')} placeholder="smtp.example.com" />
            </label>
            <label className="field">
              Port
              <input name="port" type="number" min={1} max={65535} defaultValue={str('port') ?? '587'} />
            </label>
            <label className="field">
              User (optional)
              <input name="username" defaultValue={str('username')} autoComplete="off" />
            </label>
            <label className="field">
              Password (optional)
              <input name="password" type="password" defaultValue={str('password')} autoComplete="off" />
            </label>
            <label className="field">
              From
              <input name="from" required defaultValue={str('from')} placeholder="vigil@example.com" />
            </label>
            <label className="field">
              To (comma-separated)
              <input name="to" required defaultValue={(cfg.to as string[] | undefined)?.join(', ')} />
            </label>
            <label className="check">
              <input name="secure" type="checkbox" defaultChecked={box('secure')} /> TLS from the start (port 465)
            </label>
            <label className="check">
              <input name="requireTls" type="checkbox" defaultChecked={box('requireTls')} /> require STARTTLS
            </label>
            <label className="check">
              <input name="allowSelfSigned" type="checkbox" defaultChecked={box('allowSelfSigned')} /> accept a self-signed certificate
            </label>
          </>
        )}
        <label className="check">
          <input name="enabled" type="checkbox" defaultChecked={box('enabled', true)} /> enabled
        </label>
      </form>
      <p className="error small" role="alert">
        {error}
      </p>
    </Dialog>
  );
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function Silences() {
  const { me } = useSession();
  const canAct = me?.role === 'operator' || me?.role === 'admin';
  const { data, error, reload } = useApi<Silence[]>('/api/v1/silences', 15_000);
  const { data: rules } = useApi<AlertRule[]>('/api/v1/alert-rules');
  const [message, run] = useAction(reload);
  const [mode, setMode] = useState<'for' | 'window'>('for');
  const [days, setDays] = useState<number[]>([0, 6]);
  const ruleName = (id: number | null) => (id === null ? 'every rule' : (rules?.find((r) => r.id === id)?.name ?? `rule ${id}`));
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const rule = numberOrUndefined(f.get('rule'));
    const body = {
      scope: { host: textOrUndefined(f.get('host')), tag: textOrUndefined(f.get('tag')) },
      ...(rule !== undefined ? { ruleId: rule } : {}),
      ...(mode === 'for' ? { for: f.get('for') } : { schedule: { days, start: f.get('start'), end: f.get('end') } }),
      comment: textOrUndefined(f.get('comment')),
    };
    void run(() => api('POST', '/api/v1/silences', body), 'silence added');
  };
  return (
    <section className="card">
      <h2>Silences and maintenance windows</h2>
      <p className="muted small">
        While a silence matches, alerts still open and close but send no notification. A maintenance window repeats on the days and hours
        given (the hub's local time).
      </p>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>Hosts</th>
              <th>Rule</th>
              <th>When</th>
              <th>Comment</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(data ?? []).map((s) => (
              <tr key={s.id}>
                <td>{s.scope.host ?? (s.scope.tag ? `#${s.scope.tag}` : 'all')}</td>
                <td>{ruleName(s.ruleId)}</td>
                <td className="small">
                  {s.schedule
                    ? `${s.schedule.days.map((d) => DAYS[d]).join(' ')} ${s.schedule.start}–${s.schedule.end}`
                    : `until ${time(s.until, true)}`}
                </td>
                <td className="small">{s.comment}</td>
                <td className="small">{s.createdBy}</td>
                <td className="right">
                  {canAct && (
                    <button
                      type="button"
                      className="link danger"
                      onClick={() => void run(() => api('DELETE', `/api/v1/silences/${s.id}`), 'silence removed')}
                    >
                      remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data?.length === 0 && <p className="muted">No silences.</p>}
      {canAct && (
        <form className="form-grid" onSubmit={add} aria-label="Add a silence">
          <h3 className="wide">Add a silence</h3>
          <label className="field">
            Host (optional)
            <input name="host" placeholder="every host" />
          </label>
          <label className="field">
            Tag (optional)
            <input name="tag" />
          </label>
          <label className="field">
            Rule
            <select name="rule" defaultValue="">
              <option value="">every rule</option>
              {(rules ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="field">
            <legend>When</legend>
            <div className="choices">
              <label>
                <input type="radio" checked={mode === 'for'} onChange={() => setMode('for')} /> from now
              </label>
              <label>
                <input type="radio" checked={mode === 'window'} onChange={() => setMode('window')} /> a repeating window
              </label>
            </div>
          </fieldset>
          {mode === 'for' ? (
            <label className="field">
              For
              <select name="for" defaultValue="2h">
                <option value="30m">30 minutes</option>
                <option value="2h">2 hours</option>
                <option value="8h">8 hours</option>
                <option value="1d">1 day</option>
                <option value="7d">1 week</option>
              </select>
            </label>
          ) : (
            <>
              <fieldset className="field wide choices">
                <legend>Days</legend>
                {DAYS.map((d, i) => (
                  <label key={d}>
                    <input
                      type="checkbox"
                      checked={days.includes(i)}
                      onChange={(e) => setDays(e.target.checked ? [...days, i].sort() : days.filter((x) => x !== i))}
                    />{' '}
                    {d}
                  </label>
                ))}
              </fieldset>
              <label className="field">
                From
                <input name="start" type="time" required defaultValue="02:00" />
              </label>
              <label className="field">
                To
                <input name="end" type="time" required defaultValue="04:00" />
              </label>
            </>
          )}
          <label className="field wide">
            Comment (optional)
            <input name="comment" maxLength={1000} placeholder="kernel upgrade" />
          </label>
          <div className="wide">
            <button type="submit" className="primary">
              Add silence
            </button>
          </div>
        </form>
      )}
      <p className="small" role="status">
        {error || message}
      </p>
    </section>
  );
}
