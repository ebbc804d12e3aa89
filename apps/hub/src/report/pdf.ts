import type { HostReport, Report, ReportProcess, ReportRecommendation } from '@vigil/schema';
import PDFDocument from 'pdfkit';
import { hostCharts } from './chart.ts';
import { alertLine, bytes, dateTime, duration, figure, metricName, percent, rate, windowLength, zone } from './format.ts';
import { BOLD, drawChart, drawTable, FONT, INK, MUTED, pdfText, RULE } from './pdf-draw.ts';

const MARGIN = 40;
const SEVERITY_COLORS: Record<string, string> = { critical: '#b91c1c', warning: '#b45309', info: '#1d4ed8' };
const ORDER = ['critical', 'warning', 'info'];

/** Lays out the report on A4 pages: the cursor, page breaks, and the blocks every section uses. */
class Pages {
  readonly width: number;
  private pageNumber = 1;

  constructor(
    readonly doc: PDFKit.PDFDocument,
    private readonly footer: string,
  ) {
    this.width = doc.page.width - 2 * MARGIN;
    this.drawFooter();
    doc.on('pageAdded', () => {
      this.pageNumber++;
      this.drawFooter();
    });
  }

  private drawFooter(): void {
    const { doc } = this;
    const bottom = doc.page.margins.bottom;
    const y = doc.y;
    // Below the bottom margin pdfkit would start a new page: lift the margin while writing the footer.
    doc.page.margins.bottom = 0;
    doc
      .font(FONT)
      .fontSize(7.5)
      .fillColor(MUTED)
      .text(pdfText(this.footer), MARGIN, doc.page.height - 28, { width: this.width - 60, lineBreak: false })
      .text(`page ${this.pageNumber}`, MARGIN + this.width - 60, doc.page.height - 28, { width: 60, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
    doc.x = MARGIN;
    doc.y = y;
  }

  /** Starts a new page unless `height` points still fit on this one. */
  ensure(height: number): void {
    if (this.doc.y + height > this.doc.page.height - MARGIN - 16) this.newPage();
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = MARGIN;
    this.doc.y = MARGIN;
  }

  heading(text: string, size = 13): void {
    this.ensure(size + 40);
    this.doc.moveDown(0.6).font(BOLD).fontSize(size).fillColor(INK).text(pdfText(text), MARGIN, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }

  paragraph(text: string, options: { size?: number; color?: string; bold?: boolean; indent?: number } = {}): void {
    const { doc } = this;
    const size = options.size ?? 9;
    const indent = options.indent ?? 0;
    doc.font(options.bold ? BOLD : FONT).fontSize(size);
    this.ensure(Math.min(doc.heightOfString(pdfText(text), { width: this.width - indent }), 200));
    doc.fillColor(options.color ?? INK).text(pdfText(text), MARGIN + indent, doc.y, { width: this.width - indent });
  }

  recommendation(r: ReportRecommendation, withHost: boolean): void {
    const { doc } = this;
    const title = `${withHost ? `${r.hostId}: ` : ''}${r.title}`;
    // The whole block on one page when it fits on one.
    const width = this.width - 62;
    let height = doc.font(BOLD).fontSize(9.5).heightOfString(pdfText(title), { width }) + 20;
    height += doc.font(FONT).fontSize(8.5).heightOfString(pdfText(r.detail), { width });
    doc.fontSize(8);
    for (const e of r.evidence) height += doc.heightOfString(pdfText(`•  ${e.label}: ${e.text}`), { width: width - 8 });
    this.ensure(Math.min(height, 400));
    const y = doc.y + 4;
    const color = SEVERITY_COLORS[r.severity] ?? INK;
    doc.rect(MARGIN, y, 54, 12).fill(color);
    doc
      .font(BOLD)
      .fontSize(7)
      .fillColor('#ffffff')
      .text(r.severity.toUpperCase(), MARGIN, y + 3, { width: 54, align: 'center', lineBreak: false });
    doc
      .font(BOLD)
      .fontSize(9.5)
      .fillColor(INK)
      .text(pdfText(title), MARGIN + 62, y + 1.5, { width: this.width - 62 });
    doc.moveDown(0.15);
    this.paragraph(r.detail, { indent: 62, size: 8.5 });
    for (const e of r.evidence) this.paragraph(`•  ${e.label}: ${e.text}`, { indent: 70, size: 8, color: '#334155' });
    doc.moveDown(0.5);
  }
}

const stat = (host: HostReport, metric: string, key: 'avg' | 'p95' | 'max') => host.stats.find((s) => s.metric === metric)?.[key] ?? null;

function titlePage(p: Pages, report: Report): void {
  const { doc } = p;
  doc.rect(0, 0, doc.page.width, 8).fill('#2563eb');
  doc
    .font(BOLD)
    .fontSize(24)
    .fillColor(INK)
    .text(pdfText(report.title), MARGIN, MARGIN + 10);
  doc
    .font(FONT)
    .fontSize(11)
    .fillColor(MUTED)
    .text(pdfText(`Last ${windowLength(report.hours)}: ${dateTime(report.from)} to ${dateTime(report.to)} (${zone(report.to)})`))
    .text(pdfText(`Generated ${dateTime(report.generatedAt)} by Vigil ${report.hubVersion}`));
  doc.moveDown(1);
  // Three figures across the page.
  const s = report.summary;
  const cards = [
    ['HOSTS', String(s.hosts), `${s.online} online`],
    [
      'RECOMMENDATIONS',
      String(s.recommendations.critical + s.recommendations.warning + s.recommendations.info),
      `${s.recommendations.critical} critical, ${s.recommendations.warning} warning, ${s.recommendations.info} info`,
    ],
    ['ALERTS FIRED', String(s.alerts.total), `${s.alerts.firing} still firing`],
  ];
  const w = (p.width - 2 * 12) / 3;
  const y = doc.y;
  cards.forEach(([label, value, sub], i) => {
    const x = MARGIN + i * (w + 12);
    doc.lineWidth(0.8).strokeColor(RULE).roundedRect(x, y, w, 62, 6).stroke();
    doc
      .font(BOLD)
      .fontSize(7.5)
      .fillColor(MUTED)
      .text(label as string, x + 10, y + 9, { width: w - 20, lineBreak: false });
    doc
      .font(BOLD)
      .fontSize(20)
      .fillColor(INK)
      .text(value as string, x + 10, y + 20, { width: w - 20, lineBreak: false });
    doc
      .font(FONT)
      .fontSize(8)
      .fillColor(MUTED)
      .text(pdfText(sub as string), x + 10, y + 45, { width: w - 20, lineBreak: false, ellipsis: true });
  });
  doc.y = y + 74;

  p.heading('Hosts');
  const fullest = (h: HostReport) =>
    h.stats.filter((x) => x.metric === 'disk_used_percent').sort((a, b) => (b.last ?? 0) - (a.last ?? 0))[0];
  drawTable(
    doc,
    [
      { title: 'Host', width: 103 },
      { title: 'Status', width: 46 },
      { title: 'CPU avg', width: 46, align: 'right' },
      { title: 'CPU p95', width: 46, align: 'right' },
      { title: 'Mem avg', width: 46, align: 'right' },
      { title: 'Mem p95', width: 46, align: 'right' },
      { title: 'Fullest disk', width: 90, align: 'right' },
      { title: 'Alerts', width: 42, align: 'right' },
      { title: 'Recs', width: 50, align: 'right' },
    ],
    report.hosts.map((h) => {
      const disk = fullest(h);
      return [
        h.hostname,
        h.status,
        percent(stat(h, 'cpu_usage_percent', 'avg')),
        percent(stat(h, 'cpu_usage_percent', 'p95')),
        percent(stat(h, 'memory_used_percent', 'avg')),
        percent(stat(h, 'memory_used_percent', 'p95')),
        disk ? `${disk.label} ${percent(disk.last)}` : '–',
        String(h.alerts.total),
        String(h.recommendations.length),
      ];
    }),
    { x: MARGIN, ensure: (h) => p.ensure(h) },
  );

  p.heading('Recommendations');
  const recs = report.hosts.flatMap((h) => h.recommendations).sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity));
  if (recs.length === 0) p.paragraph('No recommendations: nothing in the data calls for action.', { color: MUTED });
  for (const r of recs) p.recommendation(r, true);

  const rules = Object.entries(s.alerts.byRule).sort(([, a], [, b]) => b - a);
  if (rules.length > 0) {
    p.heading('Alerts by rule');
    drawTable(
      doc,
      [
        { title: 'Rule', width: 300 },
        { title: 'Fired', width: 60, align: 'right' },
      ],
      rules.map(([rule, n]) => [rule, String(n)]),
      { x: MARGIN, ensure: (h) => p.ensure(h) },
    );
  }
  doc.moveDown(1);
  p.paragraph(
    `${report.basis.note} Charts show the average of each ${duration(report.basis.chartStepMs)}. Process averages are over the whole window; alerts are those that fired in the window or were still firing in it.`,
    { size: 8, color: MUTED },
  );
}

function processColumn(
  p: Pages,
  x: number,
  width: number,
  title: string,
  list: ReportProcess[],
  avg: (q: ReportProcess) => string,
  peak: (q: ReportProcess) => string,
) {
  drawTable(
    p.doc,
    [
      { title, width: width - 96 },
      { title: 'avg', width: 48, align: 'right' },
      { title: 'peak', width: 48, align: 'right' },
    ],
    list.length > 0 ? list.map((q) => [`${q.name} (${q.pid})`, avg(q), peak(q)]) : [['no data', '', '']],
    { x, fontSize: 7.5, ensure: (h) => p.ensure(h) },
  );
}

function hostSection(p: Pages, report: Report, h: HostReport): void {
  const { doc } = p;
  p.newPage();
  doc.font(BOLD).fontSize(18).fillColor(INK).text(pdfText(h.hostname), MARGIN, MARGIN);
  const facts = [
    h.os,
    h.kernel && `kernel ${h.kernel}`,
    h.cpuModel && `${h.cpuModel} (${h.cpuCores} CPUs)`,
    h.memoryTotalBytes ? `${bytes(h.memoryTotalBytes)} memory` : '',
    h.status,
  ]
    .filter(Boolean)
    .join(' · ');
  p.paragraph(facts, { color: MUTED, size: 8.5 });
  p.paragraph(
    h.dataFrom !== null && h.dataTo !== null ? `Data ${dateTime(h.dataFrom)} to ${dateTime(h.dataTo)}` : 'No data in this window.',
    {
      color: MUTED,
      size: 8.5,
    },
  );
  doc.moveDown(0.6);
  drawTable(
    doc,
    [
      { title: 'Metric', width: 175 },
      { title: 'avg', width: 85, align: 'right' },
      { title: 'p95', width: 85, align: 'right' },
      { title: 'max', width: 85, align: 'right' },
      { title: 'last', width: 85, align: 'right' },
    ],
    h.stats.map((s) => [
      metricName(s.metric, s.label),
      figure(s.avg, s.unit),
      figure(s.p95, s.unit),
      figure(s.max, s.unit),
      figure(s.last, s.unit),
    ]),
    { x: MARGIN, ensure: (x) => p.ensure(x) },
  );

  // Charts, two by two.
  const charts = hostCharts(h, report.from, report.to);
  const gap = 16;
  const cw = (p.width - gap) / 2;
  const ch = 128;
  doc.moveDown(0.8);
  for (let i = 0; i < charts.length; i += 2) {
    p.ensure(ch + 8);
    const y = doc.y;
    drawChart(doc, charts[i] as (typeof charts)[number], { x: MARGIN, y, width: cw, height: ch });
    if (charts[i + 1]) drawChart(doc, charts[i + 1] as (typeof charts)[number], { x: MARGIN + cw + gap, y, width: cw, height: ch });
    doc.x = MARGIN;
    doc.y = y + ch + 10;
  }

  p.heading('Trends and projections', 11);
  if (h.trends.length === 0) p.paragraph('No data.', { color: MUTED });
  for (const t of h.trends) p.paragraph(`${metricName(t.metric, t.label)}: ${t.text}`, { size: 8.5 });

  p.heading('Recommendations', 11);
  if (h.recommendations.length === 0) p.paragraph('No recommendations: nothing in the data calls for action.', { color: MUTED, size: 8.5 });
  for (const r of h.recommendations) p.recommendation(r, false);

  p.heading(`Top processes (${h.processes.frames} frames of process history)`, 11);
  const w = (p.width - 2 * 10) / 3;
  p.ensure(7 * 14 + 10);
  const y = doc.y;
  const columns: [string, ReportProcess[], (q: ReportProcess) => string, (q: ReportProcess) => string][] = [
    ['By CPU', h.processes.byCpu, (q) => percent(q.cpuPercentAvg), (q) => percent(q.cpuPercentPeak)],
    ['By memory', h.processes.byMemory, (q) => bytes(q.memoryRssBytesAvg), (q) => bytes(q.memoryRssBytesPeak)],
    ['By disk I/O', h.processes.byIo, (q) => rate(q.ioBytesPerSecondAvg), (q) => rate(q.ioBytesPerSecondPeak)],
  ];
  let bottom = y;
  columns.forEach(([title, list, avg, peak], i) => {
    doc.y = y;
    processColumn(p, MARGIN + i * (w + 10), w, title, list, avg, peak);
    bottom = Math.max(bottom, doc.y);
  });
  doc.x = MARGIN;
  doc.y = bottom;

  const a = h.alerts;
  p.heading('Alerts', 11);
  p.paragraph(alertLine(a), { size: 8.5 });
  if (a.items.length > 0) {
    doc.moveDown(0.3);
    drawTable(
      doc,
      [
        { title: 'Fired', width: 78 },
        { title: 'Severity', width: 50 },
        { title: 'Rule', width: 100 },
        { title: 'Message', width: 177 },
        { title: 'Firing', width: 55, align: 'right' },
        { title: 'State', width: 55 },
      ],
      a.items.map((i) => [
        dateTime(i.firedAt),
        i.severity,
        i.rule,
        i.message,
        duration(i.firingMs),
        `${i.state}${i.acknowledged ? ' (ack)' : ''}`,
      ]),
      { x: MARGIN, fontSize: 7.5, ensure: (x) => p.ensure(x) },
    );
    if (a.more > 0) p.paragraph(`and ${a.more} more`, { color: MUTED, size: 8 });
  }
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The report as a PDF stream (A4, the fonts built into pdfkit, vector charts): a title page with the summary
 * and every recommendation, then a section per host. Pages are written as they are laid out, a host at a
 * time, so the document streams to the reply. `compress: false` leaves the text readable in the file (tests).
 */
export function pdfReport(report: Report, options: { compress?: boolean } = {}): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: options.compress ?? true,
    info: { Title: `${report.title}: last ${windowLength(report.hours)}`, Author: 'Vigil', Creator: `Vigil ${report.hubVersion}` },
  });
  const pages = new Pages(doc, `${report.title} · ${dateTime(report.from)} to ${dateTime(report.to)} (${zone(report.to)})`);
  void (async () => {
    try {
      titlePage(pages, report);
      for (const host of report.hosts) {
        await yieldToLoop();
        hostSection(pages, report, host);
      }
      doc.end();
    } catch (error) {
      doc.destroy(error as Error);
    }
  })();
  return doc;
}
