import type { HostReport, Report, ReportCsvTable } from '@vigil/schema';

/**
 * The report as CSV (RFC 4180: comma-separated, CRLF, quoted where needed, a header row). One request gives one
 * rectangular table, as a spreadsheet expects: `metrics` (default: a row per host and figure with avg, p95 and
 * max), `trends`, `processes`, `alerts` or `recommendations`. Numbers are plain (dot decimals, bytes and bytes
 * per second whole, percentages 0–100); times are RFC 3339 in UTC.
 */
const HEADERS: Record<ReportCsvTable, string[]> = {
  metrics: ['host', 'hostname', 'metric', 'filesystem', 'unit', 'avg', 'p95', 'max', 'last', 'count', 'basis', 'from', 'to'],
  trends: [
    'host',
    'hostname',
    'metric',
    'filesystem',
    'unit',
    'slope_per_day',
    'r2',
    'fitted_end',
    'limit',
    'days_to_limit',
    'points',
    'trend',
  ],
  processes: [
    'host',
    'hostname',
    'ranking',
    'rank',
    'pid',
    'name',
    'user',
    'cpu_percent_avg',
    'cpu_percent_peak',
    'rss_bytes_avg',
    'rss_bytes_peak',
    'io_bytes_per_second_avg',
    'io_bytes_per_second_peak',
    'rss_bytes_first',
    'rss_bytes_last',
    'command',
  ],
  alerts: [
    'host',
    'hostname',
    'id',
    'rule',
    'subject',
    'severity',
    'state',
    'fired_at',
    'resolved_at',
    'firing_seconds',
    'value',
    'threshold',
    'acknowledged',
    'message',
  ],
  recommendations: ['host', 'hostname', 'severity', 'kind', 'title', 'detail', 'evidence', 'process'],
};

type Cell = string | number | boolean | null;

/** A field, quoted when needed; text that a spreadsheet would run as a formula (=, +, -, @) is prefixed with '. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const row = (cells: Cell[]) => `${cells.map(csvField).join(',')}\r\n`;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function rows(table: ReportCsvTable, report: Report, x: HostReport): Cell[][] {
  const id = [x.id, x.hostname];
  switch (table) {
    case 'metrics':
      return x.stats.map((s) => [
        ...id,
        s.metric,
        s.label,
        s.unit,
        s.avg,
        s.p95,
        s.max,
        s.last,
        s.count,
        report.basis.p95Of,
        iso(report.from),
        iso(report.to),
      ]);
    case 'trends':
      return x.trends.map((t) => [
        ...id,
        t.metric,
        t.label,
        t.unit,
        t.slopePerDay,
        t.r2,
        t.fittedEnd,
        t.limit,
        t.daysToLimit,
        t.points,
        t.text,
      ]);
    case 'processes':
      return (['cpu', 'memory', 'io'] as const).flatMap((ranking) =>
        x.processes[ranking === 'cpu' ? 'byCpu' : ranking === 'memory' ? 'byMemory' : 'byIo'].map((p, i) => [
          ...id,
          ranking,
          i + 1,
          p.pid,
          p.name,
          p.user,
          p.cpuPercentAvg,
          p.cpuPercentPeak,
          p.memoryRssBytesAvg,
          p.memoryRssBytesPeak,
          p.ioBytesPerSecondAvg,
          p.ioBytesPerSecondPeak,
          p.memoryRssBytesFirst,
          p.memoryRssBytesLast,
          p.cmdline,
        ]),
      );
    case 'alerts':
      return x.alerts.items.map((a) => [
        ...id,
        a.id,
        a.rule,
        a.subject,
        a.severity,
        a.state,
        iso(a.firedAt),
        iso(a.resolvedAt),
        Math.round(a.firingMs / 1000),
        a.value,
        a.threshold,
        a.acknowledged,
        a.message,
      ]);
    case 'recommendations':
      return x.recommendations.map((r) => [
        ...id,
        r.severity,
        r.kind,
        r.title,
        r.detail,
        r.evidence.map((e) => `${e.label}: ${e.text}`).join('; '),
        r.process ? `${r.process.name} (${r.process.pid})` : null,
      ]);
  }
}

/** One CSV table of the report, a host at a time. */
export function* csvReport(report: Report, table: ReportCsvTable = 'metrics'): Generator<string> {
  yield row(HEADERS[table]);
  for (const host of report.hosts) {
    const lines = rows(table, report, host).map(row);
    if (lines.length > 0) yield lines.join('');
  }
}
