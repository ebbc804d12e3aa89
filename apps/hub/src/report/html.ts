import type { HostReport, Report, ReportProcess, ReportRecommendation } from '@vigil/schema';
import { hostCharts } from './chart.ts';
import { alertLine, bytes, dateTime, duration, figure, metricName, percent, rate, windowLength, zone } from './format.ts';
import { escapeHtml as h, svgChart } from './svg.ts';

const CSS = `
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--crit:#b91c1c;--warn:#b45309;--info:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:0 0 4px}
h3{font-size:15px;margin:20px 0 8px}
.meta{color:var(--muted);margin:0 0 12px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px;margin:16px 0}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{flex:1 1 180px;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:22px}
.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px 20px;margin-top:12px}
.chart{width:100%;height:auto;display:block}
.chart-title{font-size:13px;font-weight:600;fill:var(--fg)}
.legend,.tick{font-size:10.5px;fill:var(--muted)}
.plot{fill:#fff;stroke:none}
.grid{stroke:#eef2f7;stroke-width:1}
.axis{stroke:#94a3b8;stroke-width:1}
.reference{stroke:#dc2626;stroke-width:1;stroke-dasharray:4 3;opacity:.6}
.recs{list-style:none;padding:0;margin:0}
.recs>li{border-left:4px solid var(--line);padding:6px 12px;margin:8px 0;background:#fbfdff}
.recs>li.critical{border-color:var(--crit)}.recs>li.warning{border-color:var(--warn)}.recs>li.info{border-color:var(--info)}
.badge{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:1px 6px;color:#fff;margin-right:6px}
.badge.critical{background:var(--crit)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}
.evidence{margin:4px 0 0;padding-left:18px;color:#334155;font-size:13px}
.procs{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:16px}
.procs td:first-child{max-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;width:55%}
.cmd{display:block;font-size:11px;color:var(--muted);overflow:hidden;text-overflow:ellipsis}
.none{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin:16px 0}
@media (max-width:760px){.cols,.charts,.procs{grid-template-columns:minmax(0,1fr)}}
@media print{body{background:#fff}main{padding:0}section{break-inside:auto;border:none;padding:0}section.host{break-before:page}}
`;

/** Name and pid, and the command line under it (cut by CSS; whole in the tooltip). */
const procName = (p: ReportProcess) =>
  `${h(p.name)} <span class="none">(${p.pid})</span>${p.cmdline && p.cmdline !== p.name ? `<span class="cmd">${h(p.cmdline)}</span>` : ''}`;

function recommendationItem(r: ReportRecommendation, withHost: boolean): string {
  return (
    `<li class="${r.severity}" data-kind="${r.kind}"><span class="badge ${r.severity}">${r.severity}</span>` +
    `${withHost ? `<b>${h(r.hostId)}</b>: ` : ''}<b>${h(r.title)}</b><br>${h(r.detail)}` +
    `<ul class="evidence">${r.evidence.map((e) => `<li>${h(e.label)}: ${h(e.text)}</li>`).join('')}</ul></li>`
  );
}

function recommendationList(list: ReportRecommendation[], withHost: boolean): string {
  if (list.length === 0) return '<p class="none">No recommendations: nothing in the data calls for action.</p>';
  return `<ul class="recs">${list.map((r) => recommendationItem(r, withHost)).join('')}</ul>`;
}

function summary(report: Report): string {
  const s = report.summary;
  const recs = report.hosts
    .flatMap((x) => x.recommendations)
    .sort((a, b) => ['critical', 'warning', 'info'].indexOf(a.severity) - ['critical', 'warning', 'info'].indexOf(b.severity));
  const stat = (host: HostReport, metric: string, key: 'avg' | 'p95' | 'max') => host.stats.find((x) => x.metric === metric)?.[key] ?? null;
  const fullest = (host: HostReport) =>
    host.stats.filter((x) => x.metric === 'disk_used_percent').sort((a, b) => (b.last ?? 0) - (a.last ?? 0))[0];
  const rows = report.hosts
    .map((x) => {
      const disk = fullest(x);
      return (
        `<tr><td><a href="#host-${h(x.id)}">${h(x.hostname)}</a></td><td>${h(x.status)}</td>` +
        `<td class="n">${percent(stat(x, 'cpu_usage_percent', 'avg'))}</td><td class="n">${percent(stat(x, 'cpu_usage_percent', 'p95'))}</td>` +
        `<td class="n">${percent(stat(x, 'memory_used_percent', 'avg'))}</td><td class="n">${percent(stat(x, 'memory_used_percent', 'p95'))}</td>` +
        `<td class="n">${disk ? `${h(disk.label ?? '')} ${percent(disk.last)}` : '–'}</td>` +
        `<td class="n">${rate(stat(x, 'network_receive_bytes_per_second', 'avg'))} / ${rate(stat(x, 'network_transmit_bytes_per_second', 'avg'))}</td>` +
        `<td class="n">${x.alerts.total}</td><td class="n">${x.recommendations.length}</td></tr>`
      );
    })
    .join('');
  const bySeverity = Object.entries(s.alerts.bySeverity)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const byRule = Object.entries(s.alerts.byRule)
    .sort(([, a], [, b]) => b - a)
    .map(([rule, n]) => `<tr><td>${h(rule)}</td><td class="n">${n}</td></tr>`)
    .join('');
  return (
    `<section class="summary" id="summary"><h2>Summary</h2><div class="cards">` +
    `<div class="card"><span>Hosts</span><b>${s.hosts}</b>${s.online} online</div>` +
    `<div class="card"><span>Recommendations</span><b>${recs.length}</b>${s.recommendations.critical} critical, ${s.recommendations.warning} warning, ${s.recommendations.info} info</div>` +
    `<div class="card"><span>Alerts fired</span><b>${s.alerts.total}</b>${s.alerts.firing} still firing${bySeverity ? ` · ${bySeverity}` : ''}</div></div>` +
    `<table><thead><tr><th>Host</th><th>Status</th><th class="n">CPU avg</th><th class="n">CPU p95</th><th class="n">Memory avg</th><th class="n">Memory p95</th><th class="n">Fullest disk</th><th class="n">Network in / out (avg)</th><th class="n">Alerts</th><th class="n">Recs</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<h3>Recommendations</h3>${recommendationList(recs, true)}` +
    (byRule
      ? `<h3>Alerts by rule</h3><table><thead><tr><th>Rule</th><th class="n">Fired</th></tr></thead><tbody>${byRule}</tbody></table>`
      : '') +
    '</section>'
  );
}

function processTable(title: string, list: ReportProcess[], avg: (p: ReportProcess) => string, peak: (p: ReportProcess) => string): string {
  const rows = list
    .map((p) => `<tr><td title="${h(p.cmdline)}">${procName(p)}</td><td class="n">${avg(p)}</td><td class="n">${peak(p)}</td></tr>`)
    .join('');
  return `<div><table><thead><tr><th>${title}</th><th class="n">avg</th><th class="n">peak</th></tr></thead><tbody>${rows || '<tr><td class="none" colspan="3">no data</td></tr>'}</tbody></table></div>`;
}

function hostSection(report: Report, x: HostReport): string {
  const facts = [
    x.os,
    x.kernel && `kernel ${x.kernel}`,
    x.cpuModel && `${x.cpuModel} (${x.cpuCores} CPUs)`,
    x.memoryTotalBytes ? `${bytes(x.memoryTotalBytes)} memory` : '',
    x.status,
  ]
    .filter(Boolean)
    .map((f) => h(String(f)))
    .join(' · ');
  const statRows = x.stats
    .map(
      (s) =>
        `<tr data-metric="${h(s.metric)}" data-label="${h(s.label ?? '')}"><td>${h(metricName(s.metric, s.label))}</td><td class="n">${figure(s.avg, s.unit)}</td><td class="n">${figure(s.p95, s.unit)}</td><td class="n">${figure(s.max, s.unit)}</td><td class="n">${figure(s.last, s.unit)}</td></tr>`,
    )
    .join('');
  const trends = x.trends.map((t) => `<li><b>${h(metricName(t.metric, t.label))}</b>: ${h(t.text)}</li>`).join('');
  const charts = hostCharts(x, report.from, report.to)
    .map((c) => svgChart(c))
    .join('');
  const a = x.alerts;
  const alertRows = a.items
    .map(
      (i) =>
        `<tr><td>${h(dateTime(i.firedAt))}</td><td><span class="badge ${i.severity}">${i.severity}</span></td><td>${h(i.rule)}</td><td>${h(i.message)}</td><td class="n">${duration(i.firingMs)}</td><td>${h(i.state)}${i.acknowledged ? ' (ack)' : ''}</td></tr>`,
    )
    .join('');
  const p = x.processes;
  return (
    `<section class="host" id="host-${h(x.id)}"><h2>${h(x.hostname)}</h2><p class="meta">${facts}<br>` +
    (x.dataFrom !== null && x.dataTo !== null ? `data ${h(dateTime(x.dataFrom))} to ${h(dateTime(x.dataTo))}` : 'no data in this window') +
    `</p><div class="cols"><table class="stats"><thead><tr><th>Metric</th><th class="n">avg</th><th class="n">p95</th><th class="n">max</th><th class="n">last</th></tr></thead><tbody>${statRows}</tbody></table>` +
    `<div><h3 style="margin-top:0">Trends</h3><ul>${trends || '<li class="none">no data</li>'}</ul></div></div>` +
    `<div class="charts">${charts}</div>` +
    `<h3>Recommendations</h3>${recommendationList(x.recommendations, false)}` +
    `<h3>Top processes <span class="none">(${p.frames} frames of process history)</span></h3><div class="procs">` +
    processTable(
      'By CPU',
      p.byCpu,
      (q) => percent(q.cpuPercentAvg),
      (q) => percent(q.cpuPercentPeak),
    ) +
    processTable(
      'By memory (RSS)',
      p.byMemory,
      (q) => bytes(q.memoryRssBytesAvg),
      (q) => bytes(q.memoryRssBytesPeak),
    ) +
    processTable(
      'By disk I/O',
      p.byIo,
      (q) => rate(q.ioBytesPerSecondAvg),
      (q) => rate(q.ioBytesPerSecondPeak),
    ) +
    `</div><h3>Alerts</h3><p>${h(alertLine(a))}</p>` +
    (alertRows
      ? `<table><thead><tr><th>Fired</th><th>Severity</th><th>Rule</th><th>Message</th><th class="n">Firing</th><th>State</th></tr></thead><tbody>${alertRows}</tbody></table>${a.more ? `<p class="none">and ${a.more} more</p>` : ''}`
      : '') +
    '</section>'
  );
}

/** The report as one self-contained HTML page (inline CSS and SVG, no script), a host section at a time. */
export function* htmlReport(report: Report): Generator<string> {
  const title = `${report.title}: last ${windowLength(report.hours)}`;
  yield `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${h(title)}</title><style>${CSS}</style></head><body><main>`;
  yield `<header><h1>${h(report.title)}</h1><p class="meta">Last ${windowLength(report.hours)}: ${dateTime(report.from)} to ${dateTime(report.to)} (${zone(report.to)}) · generated ${dateTime(report.generatedAt)} by Vigil ${h(report.hubVersion)}</p></header>`;
  yield summary(report);
  for (const host of report.hosts) yield hostSection(report, host);
  yield `<footer><p>${h(report.basis.note)} Charts show the average of each ${duration(report.basis.chartStepMs)}. Process figures come from the process history (the top processes of every frame); their averages are over the whole window. Alerts are those that fired in the window or were still firing in it.</p>${report.warnings.map((w) => `<p>${h(w)}</p>`).join('')}</footer></main></body></html>\n`;
}
